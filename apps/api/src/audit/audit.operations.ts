import { declareOperation } from '../operations/operation.js';

export const readAuditLog = declareOperation({
  name: 'auditLog',
  effect: 'read',
  role: 'admin',
  summary: 'Every change made through the service, newest first (admin role)',
  description: 'Every change made through the service, newest first (admin role).',
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});
