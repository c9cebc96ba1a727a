import { defineRoutes } from '@brace/schema-guard';
import { z } from 'zod';

/** What the demo expects a link to look like (the provider's documented shape). */
export const LinkSchema = z.object({
  id: z.string(),
  url: z.string(),
  shortUrl: z.string(),
  recipientId: z.string(),
  createdAt: z.string(),
});
export type LinkResponse = z.infer<typeof LinkSchema>;

/** The routes the Brace client guards. */
export const routes = defineRoutes({
  'POST /links': {
    body: z.object({ url: z.url(), recipientId: z.string().min(1) }),
    response: LinkSchema,
  },
  'GET /links/:id': { response: LinkSchema },
});
