import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonKeepingLargeIntegers } from '../verification/json-with-large-integers';
import { wooCommerceOrderEvent } from './woocommerce-orders';

const fixture = (name: string) => {
  const body = readFileSync(join(__dirname, '../../../../test/fixtures/woocommerce', name));
  return { body, order: parseJsonKeepingLargeIntegers(body.toString('utf8')) };
};

describe('WooCommerce order webhooks as store events', () => {
  it('order.created needs action, for the customer account and billing email', () => {
    const { body, order } = fixture('order-created.json');
    expect(wooCommerceOrderEvent('order.created', order, body)).toEqual({
      storeEventId: expect.stringMatching(/^order\.created\/727\/\d{4}-\d\d-\d\dT/),
      type: 'order.created',
      requiresAction: true,
      summary: 'Order #727 placed by John Doe: 29.35 USD (processing). Confirm and ship it.',
      customer: { id: '26', email: 'john.doe@example.com', name: 'John Doe' },
      details: {
        orderNumber: '#727',
        total: '29.35',
        currency: 'USD',
        status: 'processing',
        url: 'https://example.com/wp-admin/post.php?post=727&action=edit',
        items: [
          { name: 'Woo Single #1', quantity: 2 },
          { name: 'Ship Your Idea \u2013 Color: Black, Size: M Test', quantity: 1 },
        ],
      },
    });
  });

  it("links the order's admin page at the site its REST link names, in a folder or by rest_route", () => {
    const urlFor = (href: string) =>
      wooCommerceOrderEvent('order.updated', { id: 9, _links: { self: [{ href }] } }, Buffer.from('{}'))?.details?.url;
    expect(urlFor('https://example.com/shop/wp-json/wc/v3/orders/9')).toBe(
      'https://example.com/shop/wp-admin/post.php?post=9&action=edit',
    );
    expect(urlFor('https://example.com/?rest_route=/wc/v3/orders/9')).toBe(
      'https://example.com/wp-admin/post.php?post=9&action=edit',
    );
    expect(urlFor('ftp://example.com/wp-json/wc/v3/orders/9')).toBeUndefined();
    expect(urlFor('https://example.com/orders/9')).toBeUndefined();
  });

  it('order.updated goes on the timeline with its status, keyed by the modification time', () => {
    const { body, order } = fixture('order-updated.json');
    expect(wooCommerceOrderEvent('order.updated', order, body)).toMatchObject({
      storeEventId: expect.stringMatching(/^order\.updated\/727\/2024-05-15T12:12:45\/[0-9a-f]{16}$/),
      requiresAction: false,
      summary: 'Order #727 is now completed',
    });
  });

  it('a guest (customer_id 0) is known by billing email only', () => {
    const order = { id: 9, customer_id: 0, billing: { email: 'guest@example.com' } };
    expect(wooCommerceOrderEvent('order.created', order, Buffer.from('{}'))?.customer).toEqual({
      id: null,
      email: 'guest@example.com',
      name: null,
    });
  });

  it('two changes in one second are two events; the same body again is the same event', () => {
    const order = { id: 9, status: 'on-hold', date_modified_gmt: '2024-05-15T12:12:45' };
    const hold = wooCommerceOrderEvent('order.updated', order, Buffer.from('{"id":9,"status":"on-hold"}'));
    const again = wooCommerceOrderEvent('order.updated', order, Buffer.from('{"id":9,"status":"on-hold"}'));
    const paid = wooCommerceOrderEvent('order.updated', order, Buffer.from('{"id":9,"status":"processing"}'));
    expect(hold?.storeEventId).toBe(again?.storeEventId);
    expect(hold?.storeEventId).not.toBe(paid?.storeEventId);
  });

  it('without date_modified_gmt, the same body is the same event and another body another', () => {
    const order = { id: 9, status: 'on-hold' };
    const first = wooCommerceOrderEvent('order.updated', order, Buffer.from('{"id":9,"status":"on-hold"}'));
    const again = wooCommerceOrderEvent('order.updated', order, Buffer.from('{"id":9,"status":"on-hold"}'));
    const other = wooCommerceOrderEvent('order.updated', order, Buffer.from('{"id":9,"status":"on-hold" }'));
    expect(first?.storeEventId).toBe(again?.storeEventId);
    expect(first?.storeEventId).not.toBe(other?.storeEventId);
  });

  it('is no order without an id', () => {
    expect(wooCommerceOrderEvent('order.created', { status: 'processing' }, Buffer.from('{}'))).toBeUndefined();
  });
});
