/** API.md: a body over 1 MiB is refused with 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
