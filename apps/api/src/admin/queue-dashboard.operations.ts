import { declareOperation } from '../operations/operation.js';

/** Every request of the queue dashboard (its page, assets and JSON API): read-only, for admins. */
export const viewQueueDashboard = declareOperation({
  name: 'viewQueueDashboard',
  effect: 'read',
  role: 'admin',
  summary: 'The queue dashboard (Bull Board), read-only',
  errors: [],
});
