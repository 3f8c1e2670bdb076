import { Inbox } from './support/inbox';

describe('the OpenAPI description', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await Inbox.start();
  });
  afterAll(async () => {
    await inbox.stop();
  });

  it('is served at /docs without a token, generated from the same DTOs that validate requests', async () => {
    const ui = await inbox.request('GET', '/docs', { token: null });
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);

    const spec = await inbox.request<{
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    }>('GET', '/docs/openapi.json', { token: null });
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/conversations',
        '/conversations/{id}',
        '/conversations/{id}/messages',
        '/conversations/{id}/assign',
        '/conversations/{id}/unassign',
        '/conversations/{id}/close',
        '/conversations/{id}/reopen',
        '/members',
        '/members/{id}',
        '/integrations',
        '/health',
      ]),
    );
    const { schemas } = spec.body.components;
    expect(schemas.AssignConversationDto.required).toEqual(['assigneeId']);
    expect(Object.keys(schemas.StartConversationDto.properties).sort()).toEqual(['body', 'customer', 'subject']);
    expect(schemas.AddMemberDto.properties.role).toMatchObject({ enum: ['agent', 'admin', 'auditor'] });
  });
});
