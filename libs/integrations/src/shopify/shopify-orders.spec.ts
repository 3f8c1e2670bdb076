import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonKeepingLargeIntegers } from '../verification/json-with-large-integers';
import { shopifyOrderEvent, shopifyTopic } from './shopify-orders';

const fixture = (name: string): unknown =>
  parseJsonKeepingLargeIntegers(readFileSync(join(__dirname, '../../../../test/fixtures/shopify', name), 'utf8'));

describe('Shopify order webhooks as store events', () => {
  it('orders/create needs action, for the order’s customer by exact id and email, known by its order id', () => {
    expect(shopifyOrderEvent('orders/create', fixture('orders-create.json'), 'event-1')).toEqual({
      storeEventId: 'orders/create/820982911946154508',
      type: 'orders/create',
      requiresAction: true,
      summary: 'Order #9999 placed by John Smith: 2 items, 408.00 USD. Confirm and ship it.',
      customer: { id: '115310627314723954', email: 'jon@example.com', name: 'John Smith' },
      details: {
        orderNumber: '#9999',
        total: '408.00',
        currency: 'USD',
        status: 'pending, unfulfilled',
        url: 'https://jsmith.myshopify.com/548380009/orders/123456abcd/authenticate?key=abcdefg',
        items: [
          { name: 'IPod Nano - 8GB', quantity: 1 },
          { name: 'IPod Nano - 8GB', quantity: 1 },
        ],
      },
    });
  });

  it.each([
    ['orders/paid', 'orders-paid.json', 'paid, unfulfilled'],
    ['orders/fulfilled', 'orders-fulfilled.json', 'paid, fulfilled'],
    ['orders/cancelled', 'orders-cancelled.json', 'cancelled, voided, unfulfilled'],
  ] as const)("%s carries the order's payment and fulfilment status as its details", (topic, file, status) => {
    expect(shopifyOrderEvent(topic, fixture(file), 'event-2')?.details).toMatchObject({ orderNumber: '#9999', status });
  });

  it("links the order in the shop's admin where the delivery names its myshopify.com domain", () => {
    const order = fixture('orders-create.json');
    expect(shopifyOrderEvent('orders/create', order, 'e', 'Jon-S-Shop.myshopify.com')?.details?.url).toBe(
      'https://jon-s-shop.myshopify.com/admin/orders/820982911946154508',
    );
    // Any other host is no admin of Shopify's: the order status page the signed body names instead.
    expect(shopifyOrderEvent('orders/create', order, 'e', 'evil.example.com/x')?.details?.url).toMatch(
      /^https:\/\/jsmith\.myshopify\.com\/548380009\/orders\//,
    );
  });

  it('leaves out of the details what cannot be shown safely: a total that is no amount, a link that is no http(s)', () => {
    const details = shopifyOrderEvent(
      'orders/create',
      { id: 3, order_number: 1003, total_price: 'lots', currency: 'usd', order_status_url: 'javascript:alert(1)' },
      'e',
    )?.details;
    expect(details).toEqual({ orderNumber: '#1003', currency: 'USD' });
  });

  it.each([
    ['orders/paid', 'orders-paid.json', /^Order #9999 paid: \d+\.\d\d USD$/],
    ['orders/fulfilled', 'orders-fulfilled.json', /^Order #9999 fulfilled$/],
    ['orders/cancelled', 'orders-cancelled.json', /^Order #9999 cancelled \(reason: customer\)$/],
  ] as const)(
    '%s goes on the timeline without needing action, known by the order and its change',
    (topic, file, summary) => {
      const order = fixture(file) as { updated_at: string };
      const event = shopifyOrderEvent(topic, order, 'event-2');
      expect(event).toMatchObject({
        storeEventId: `${topic}/820982911946154508/${order.updated_at}`,
        type: topic,
        requiresAction: false,
        customer: { id: '115310627314723954' },
      });
      expect(event?.summary).toMatch(summary);
    },
  );

  it('knows a change by the event id only where the order carries no updated_at', () => {
    expect(shopifyOrderEvent('orders/paid', { id: 7, name: '#7' }, 'event-3')?.storeEventId).toBe('event-3');
  });

  it('takes the customer’s email where the order has none, and a guest order has no customer id', () => {
    expect(
      shopifyOrderEvent('orders/create', { id: 1, name: '#1', customer: { id: 5, email: 'c@example.com' } }, 'e')
        ?.customer,
    ).toEqual({ id: '5', email: 'c@example.com', name: null });
    expect(shopifyOrderEvent('orders/create', { id: 2, contact_email: 'guest@example.com' }, 'e')?.customer).toEqual({
      id: null,
      email: 'guest@example.com',
      name: null,
    });
  });

  it('is no order without an id', () => {
    expect(shopifyOrderEvent('orders/create', { name: '#1' }, 'e')).toBeUndefined();
    expect(shopifyOrderEvent('orders/create', [1, 2], 'e')).toBeUndefined();
  });

  it('reads a topic as any delivery spells it', () => {
    expect(['orders/create', 'ORDERS_CREATE', 'orders.create', 'Orders/Create'].map(shopifyTopic)).toEqual(
      Array(4).fill('orders/create'),
    );
  });
});
