/** GraphQL enums are UPPER_CASE; the database stores the same values lower_case. */
export const upper = (s: string) => s.toUpperCase();
export const lower = <T extends string>(s: T) => s.toLowerCase() as Lowercase<T>;
