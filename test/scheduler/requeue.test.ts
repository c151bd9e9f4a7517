/**
 * Requeue (AMLTK's `amltk.types.Requeue`): an iterator you can push items back onto. `requeue(item)`
 * puts one first, `append(item)` last, after everything the source still has.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Requeue } from '../../src/index.js';

/** The next `n` items (fewer when it runs out). */
function take<T>(iterator: Iterator<T>, n: number): T[] {
  const items: T[] = [];
  for (let i = 0; i < n; i += 1) {
    const next = iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

describe('Requeue', () => {
  it('yields the source\'s items in order, then is done (and stays done)', () => {
    const items = new Requeue([1, 2, 3]);
    assert.deepEqual([...items], [1, 2, 3]);
    assert.deepEqual(items.next(), { value: undefined, done: true });
    assert.deepEqual(items.next(), { value: undefined, done: true });
  });

  it('takes any iterable: a Set, a string, a Map, a generator', () => {
    assert.deepEqual([...new Requeue(new Set(['a', 'b']))], ['a', 'b']);
    assert.deepEqual([...new Requeue('xyz')], ['x', 'y', 'z']);
    assert.deepEqual([...new Requeue(new Map([[1, 'one']]))], [[1, 'one']]);
    function* gen(): Generator<number> {
      yield 10;
      yield 20;
    }
    assert.deepEqual([...new Requeue(gen())], [10, 20]);
  });

  it('reads its source lazily, one item per next()', () => {
    let pulled = 0;
    function* counting(): Generator<number> {
      for (let i = 0; i < 5; i += 1) {
        pulled += 1;
        yield i;
      }
    }
    const items = new Requeue(counting());
    assert.equal(pulled, 0, 'nothing read at construction');
    assert.deepEqual(take(items, 2), [0, 1]);
    assert.equal(pulled, 2);
  });

  it('requeue(item) puts it first: the next next() returns it', () => {
    const items = new Requeue([1, 2, 3]);
    assert.equal(items.next().value, 1);
    items.requeue(1);
    assert.deepEqual([...items], [1, 2, 3]);
  });

  it('requeue of several: the last one requeued comes out first (each goes to the very front)', () => {
    const items = new Requeue(['c']);
    items.requeue('b');
    items.requeue('a');
    assert.deepEqual([...items], ['a', 'b', 'c']);
  });

  it('append(item) puts it last, after every item the source still has', () => {
    const items = new Requeue([1, 2, 3]);
    items.append(99);
    assert.equal(items.next().value, 1);
    items.append(100);
    assert.deepEqual([...items], [2, 3, 99, 100], 'appended items in the order they were appended');
  });

  it('requeue and append together: requeued first, the source, appended last', () => {
    const items = new Requeue<number | string>([1, 2]);
    items.append('last');
    items.requeue('first');
    assert.deepEqual([...items], ['first', 1, 2, 'last']);
  });

  it('works with for...of while items are pushed back during the loop', () => {
    const items = new Requeue([1, 2, 3, 4]);
    const seen: Array<number | string> = [];
    const retried = new Set<number>();
    for (const item of items) {
      seen.push(item);
      // Odd items fail the first time: try them again at once; 4 goes to the back once.
      if (typeof item === 'number' && item % 2 === 1 && !retried.has(item)) {
        retried.add(item);
        items.requeue(item);
      } else if (item === 4 && !retried.has(4)) {
        retried.add(4);
        items.append(4);
      }
    }
    assert.deepEqual(seen, [1, 1, 2, 3, 3, 4, 4]);
  });

  it('an item requeued after the loop ran out comes out of the next next()', () => {
    const items = new Requeue([1]);
    assert.deepEqual([...items], [1]);
    items.requeue(2);
    items.append(3);
    assert.deepEqual([...items], [2, 3]);
  });

  it('an empty source: done at once; requeue and append still work', () => {
    const items = new Requeue<number>([]);
    assert.deepEqual(items.next(), { value: undefined, done: true });
    items.append(2);
    items.requeue(1);
    assert.deepEqual([...items], [1, 2]);
    assert.deepEqual([...new Requeue()], [], 'no source at all is empty too');
  });

  it('an infinite generator source: take some, push one back, take more', () => {
    function* naturals(): Generator<number> {
      for (let n = 0; ; n += 1) yield n;
    }
    const items = new Requeue(naturals());
    assert.deepEqual(take(items, 3), [0, 1, 2]);
    items.requeue(1);
    assert.deepEqual(take(items, 3), [1, 3, 4]);
    // An appended item waits behind an endless source: it never comes out.
    items.append(-1);
    assert.ok(!take(items, 1_000).includes(-1));
  });

  it('breaking out of for...of leaves the rest for later (no return(): the source is not closed)', () => {
    function* naturals(): Generator<number> {
      for (let n = 0; ; n += 1) yield n;
    }
    const items = new Requeue(naturals());
    const first: number[] = [];
    for (const n of items) {
      if (n >= 3) {
        items.requeue(n);
        break;
      }
      first.push(n);
    }
    assert.deepEqual(first, [0, 1, 2]);
    assert.deepEqual(take(items, 3), [3, 4, 5]);
  });

  it('undefined and null are items like any other', () => {
    const items = new Requeue<unknown>([undefined, null]);
    items.requeue(undefined);
    assert.deepEqual([...items], [undefined, undefined, null]);
  });

  it('is its own iterator', () => {
    const items = new Requeue([1]);
    assert.equal(items[Symbol.iterator](), items);
  });
});
