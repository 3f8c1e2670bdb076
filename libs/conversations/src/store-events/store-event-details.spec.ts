import { STORE_EVENT_DETAILS_LIMITS, detailsWithinBounds, isHttpUrl } from './store-event-details';

describe("a shop order's details within the bounds of POST /store-events", () => {
  it('keeps what fits as it is, the currency upper-cased', () =>
    expect(
      detailsWithinBounds({
        orderNumber: '#1001',
        total: '59.00',
        currency: 'eur',
        status: 'paid',
        url: 'https://shop.example.com/admin/orders/1001',
        items: [{ name: 'Blue scarf', quantity: 2 }],
      }),
    ).toEqual({
      orderNumber: '#1001',
      total: '59.00',
      currency: 'EUR',
      status: 'paid',
      url: 'https://shop.example.com/admin/orders/1001',
      items: [{ name: 'Blue scarf', quantity: 2 }],
    }));

  it('cuts long texts with an ellipsis, whole characters, and keeps the first lines', () => {
    const details = detailsWithinBounds({
      orderNumber: '😀'.repeat(STORE_EVENT_DETAILS_LIMITS.orderNumberCharacters + 5),
      items: Array.from({ length: STORE_EVENT_DETAILS_LIMITS.items + 1 }, (_, i) => ({
        name: `${i} ${'x'.repeat(STORE_EVENT_DETAILS_LIMITS.itemNameCharacters)}`,
        quantity: 1,
      })),
    })!;
    expect(Array.from(details.orderNumber!)).toHaveLength(STORE_EVENT_DETAILS_LIMITS.orderNumberCharacters);
    expect(details.orderNumber!.endsWith('😀…')).toBe(true);
    expect(details.items).toHaveLength(STORE_EVENT_DETAILS_LIMITS.items);
    expect(details.items![0].name).toHaveLength(STORE_EVENT_DETAILS_LIMITS.itemNameCharacters);
    expect(details.items![0].name).toMatch(/^0 x+…$/);
  });

  it('leaves out what cannot be shown safely or exactly, and is nothing where nothing is left', () => {
    expect(
      detailsWithinBounds({
        total: '12.5.0',
        currency: 'EURO',
        url: 'javascript:alert(1)',
        status: '  ',
        items: [
          { name: 'Half a scarf', quantity: 0.5 },
          { name: '', quantity: 1 },
        ],
      }),
    ).toEqual({ items: [] });
    expect(detailsWithinBounds({ total: 'lots', url: 'ftp://shop.example.com/1' })).toBeUndefined();
  });

  it('takes as a link only an absolute http or https URL within 2,000 characters', () => {
    expect(isHttpUrl('http://localhost:3000/orders/1')).toBe(true);
    expect(isHttpUrl('https://shop.example.com/orders/1')).toBe(true);
    expect(isHttpUrl('/orders/1')).toBe(false);
    expect(isHttpUrl('data:text/html,hi')).toBe(false);
    expect(isHttpUrl(`https://shop.example.com/${'a'.repeat(2000)}`)).toBe(false);
  });
});
