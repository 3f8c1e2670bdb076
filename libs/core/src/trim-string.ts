/** For class-transformer's `@Transform` at the edges: a string arrives without surrounding spaces. */
export const trimString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;
