import { idText, parseJsonKeepingLargeIntegers } from './json-with-large-integers';

describe('parseJsonKeepingLargeIntegers', () => {
  it('keeps integers beyond 2^53 digit for digit, as strings', () => {
    const parsed = parseJsonKeepingLargeIntegers(
      '{"id":820982911946154508,"customer":{"id":115310627314723954},"ids":[-9007199254740993]}',
    );
    expect(parsed).toEqual({
      id: '820982911946154508',
      customer: { id: '115310627314723954' },
      ids: ['-9007199254740993'],
    });
    // What a plain parse would have made of it: another order.
    expect(String((JSON.parse('{"id":820982911946154508}') as { id: number }).id)).toBe('820982911946154500');
  });

  it('leaves safe integers, decimals, exponents and strings as they are', () => {
    expect(
      parseJsonKeepingLargeIntegers(
        '{"n":9007199254740991,"price":"199.65","total":199.65,"big":1e300,"neg":-5,"s":"id 820982911946154508 \\" x"}',
      ),
    ).toEqual({
      n: 9007199254740991,
      price: '199.65',
      total: 199.65,
      big: 1e300,
      neg: -5,
      s: 'id 820982911946154508 " x',
    });
  });

  it('refuses what is not JSON, as JSON.parse does', () => {
    expect(() => parseJsonKeepingLargeIntegers('{"id": 820982911946154508')).toThrow(SyntaxError);
    expect(() => parseJsonKeepingLargeIntegers('webhook_id=1')).toThrow(SyntaxError);
  });
});

describe('idText', () => {
  it.each([
    ['820982911946154508', '820982911946154508'],
    [727, '727'],
    [' 42 ', '42'],
    [0.5, undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j', (value, expected) => expect(idText(value)).toBe(expected));
});
