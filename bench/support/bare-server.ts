/**
 * The baseline of bench/path.bench.ts: a bare Node `http` server answering `{"status":"ok"}` (what
 * the api's GET /health/live answers) to every request, on 127.0.0.1:$PORT. Spawned with the same
 * Node as the api (`process.execPath`), so the two compare per request.
 */
import { createServer } from 'node:http';

const BODY = Buffer.from('{"status":"ok"}');
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error(`PORT must be a port number: ${process.env.PORT}`);

const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': BODY.length,
  });
  response.end(BODY);
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on 127.0.0.1:${port}\n`));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
