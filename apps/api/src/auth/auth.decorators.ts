import { SetMetadata } from '@nestjs/common';
import type { Role } from '#libs/auth';
import type { StevedoreConfig } from '#libs/config';

export const REQUIRED_ROLE = 'stevedore:required-role';
export const PUBLIC_ROUTE = 'stevedore:public-route';

/** A role, or the setting that chooses it (export's role is an operator's choice). */
export type RoleRequirement = Role | ((config: StevedoreConfig) => Role);

/** The role an operation needs; without it, reads need `read` and changes need `write`. */
export const RequiresRole = (role: RoleRequirement) => SetMetadata(REQUIRED_ROLE, role);

/** Opens a route to callers without a token (health probes only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
