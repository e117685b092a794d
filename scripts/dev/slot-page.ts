import type { Db } from '@codex-k8s/db';
import { checkSlotPage, type StackState } from '@codex-k8s/stack';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type SlotReady = { public_url: string | null; namespace: string };

/** The delivery's slot.ready payload, once audit-writer recorded it (undefined once the run failed, or after the deadline). */
async function slotReady(db: Db, correlationId: string, deadline: number): Promise<SlotReady | undefined> {
  while (Date.now() < deadline) {
    const rows = await db.selectFrom('flow_events').select(['event_type', 'payload']).where('correlation_id', '=', correlationId).where((w) => w.or([w('event_type', '=', 'slot.ready'), w('event_type', 'like', 'run.failed%'), w('event_type', '=', 'webhook.ignored')])).execute();
    const ready = rows.find((r) => r.event_type === 'slot.ready');
    if (ready) return ready.payload as SlotReady;
    if (rows.length > 0) return undefined;
    await sleep(500);
  }
  return undefined;
}

/** One look at the page: the line to print when it answered with the issued certificate, else why not. */
async function lookOnce(stack: StackState, ready: { url: string; namespace: string }): Promise<{ ok: boolean; line: string }> {
  try {
    const r = await checkSlotPage({ kubeconfig: stack.kube?.kubeconfig ?? '', proxyAddress: stack.node?.proxy?.address ?? '', url: ready.url, namespace: ready.namespace });
    const items = (r.body.match(/<li /g) ?? []).length;
    if (r.status === 200 && r.certificateFromSecret) return { ok: true, line: `the page answered over HTTPS: ${r.status}, with the certificate cert-manager issued (issuer ${r.issuer.replace(/\n/g, ', ')}), ${items} items read from the slot's Postgres` };
    return { ok: false, line: `${r.status} ${r.certificateFromSecret ? '' : '(not the issued certificate) '}${r.body.slice(0, 120)}` };
  } catch (err) {
    return { ok: false, line: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Once the delivery's slot is ready, opens its page through the stack's TLS proxy like a browser would (the local
 * CA trusted, the host name verified) and says what answered. Gives up after `timeoutMs`.
 */
export async function reportSlotPage(o: { db: Db; stack: StackState; correlationId: string; say: (l: string) => void; timeoutMs?: number }): Promise<void> {
  const proxy = o.stack.node?.proxy;
  if (!proxy || !o.stack.kube) return;
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  const ready = await slotReady(o.db, o.correlationId, deadline);
  if (!ready?.public_url) return;
  const host = new URL(ready.public_url).hostname;
  o.say(`== slot ${ready.public_url}  (TLS proxy ${proxy.address}:443; in a browser: chromium --host-resolver-rules="MAP ${host} ${proxy.address}")`);
  let last = { ok: false, line: 'not looked at' };
  while (!last.ok && Date.now() < deadline) {
    last = await lookOnce(o.stack, { url: ready.public_url, namespace: ready.namespace });
    if (!last.ok) await sleep(1_000);
  }
  o.say(last.ok ? `   ${last.line}` : `   the page did not answer over HTTPS in time: ${last.line}`);
}
