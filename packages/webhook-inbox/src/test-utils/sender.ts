// A delivery process for the multi-process test: gets a list of event ids over IPC, delivers each
// as a signed Stripe webhook over loopback HTTP with `concurrency` requests at once, and answers
// how many got each status and how many were answered as duplicates. Sending from processes of
// their own keeps the receiver's event loop for receiving.
// argv: port secret concurrency
import { signWebhook } from '@brace/webhook-verify';

const [port, secret, slots] = process.argv.slice(2) as [string, string, string];

process.once('message', async (ids: string[]) => {
  let next = 0;
  let duplicates = 0;
  const statuses: Record<number, number> = {};
  const send = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const body = JSON.stringify({
        id,
        type: 'invoice.paid',
        created: 1,
        data: { object: { id: `in_${id}` } },
      });
      const signed = await signWebhook({ provider: 'stripe', secret, body });
      const response = await fetch(`http://127.0.0.1:${port}/stripe`, {
        method: 'POST',
        headers: signed.headers,
        body,
      });
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if ((await response.text()).includes('"duplicate":true')) duplicates++;
    }
  };
  await Promise.all(Array.from({ length: Number(slots) }, send));
  process.send?.({ statuses, duplicates }, () => process.exit(0));
});
