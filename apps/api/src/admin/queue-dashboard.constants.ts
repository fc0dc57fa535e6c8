/** Where the queue dashboard (Bull Board) is served: its page, its JSON API and its assets. */
export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';
