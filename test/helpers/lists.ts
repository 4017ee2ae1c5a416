/**
 * The items of a list a test loops over, after asserting there are some: a loop over an empty
 * list asserts nothing, so a regression that empties it would pass unnoticed.
 */
export function nonEmpty<T>(items: Iterable<T>): T[] {
  const list = [...items];
  expect(list.length).toBeGreaterThan(0);
  return list;
}
