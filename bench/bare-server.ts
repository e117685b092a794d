import Fastify from 'fastify';

// The baseline for the ingress benchmark: a bare fastify route on the same machine that reads the raw body
// and answers 202, with no signature check, no database and no bus. Prints its port on stdout.
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/api/v1/webhooks/github', async (_req, reply) => reply.code(202).send({ status: 'accepted' }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(new URL(address).port);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0), () => process.exit(1)));
