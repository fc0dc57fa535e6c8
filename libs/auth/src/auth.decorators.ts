import { SetMetadata } from '@nestjs/common';
import type { Role } from '#libs/config';

export const REQUIRED_ROLE = 'stevedore:required-role';
export const PUBLIC_ROUTE = 'stevedore:public-route';

/** The role an operation needs; without it, reads need `read` and changes need `write`. */
export const RequiresRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** Opens a route to callers without a token (health probes only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
