/**
 * Types of a process's inputs and outputs, for the user's code. They are a promise the user makes
 * in the class's type parameters (`class P extends Process<Inputs, Outputs>`); the spec declared in
 * `define` is what is checked at run time.
 */

declare const defaultMark: unique symbol;

/**
 * Marks an input that has a default: optional for whoever creates the process, always present in
 * `this.inputs`. `Process<{ steps: Default<number> }>`: `new P()` and `new P({ steps: 5 })` both
 * type-check, and `this.inputs.steps` is a number.
 */
export type Default<T> = { readonly [defaultMark]: T };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the untyped default: any port, any value
export type AnyPorts = Record<string, any>;

type IsNamespace<T> = T extends readonly unknown[]
  ? false
  : T extends (...args: never[]) => unknown
    ? false
    : T extends Default<unknown>
      ? false
      : T extends object
        ? true
        : false;

/** The inputs as a step sees them: defaults applied, read-only. */
export type InputsView<I> = {
  readonly [K in keyof I]: I[K] extends Default<infer U> ? U : IsNamespace<I[K]> extends true ? InputsView<I[K]> : I[K];
};

type OptionalKeys<I> = { [K in keyof I]-?: I[K] extends Default<unknown> ? K : undefined extends I[K] ? K : never }[keyof I];
type ArgOf<V> = V extends Default<infer U> ? U : IsNamespace<V> extends true ? InputArgs<V> : V;

/** The inputs as given to the constructor: defaulted and optional ports may be left out. */
export type InputArgs<I> = { [K in Exclude<keyof I, OptionalKeys<I>>]: ArgOf<I[K]> } & { [K in OptionalKeys<I>]?: ArgOf<I[K]> };

type Depth = [never, 0, 1, 2, 3, 4];

/** Dotted paths of the ports of `O` (`output1`, `output2`, `output2.output2a`), four levels deep. */
export type PortPath<O, D extends number = 4> = [D] extends [never]
  ? never
  : string extends keyof O
    ? string
    : { [K in keyof O & string]: K | (IsNamespace<O[K]> extends true ? `${K}.${PortPath<O[K], Depth[D]>}` : never) }[keyof O & string];

/** The type of the port at dotted path `P` of `O`. */
export type ValueAt<O, P extends string> = string extends keyof O
  ? unknown
  : P extends `${infer Head}.${infer Rest}`
    ? Head extends keyof O
      ? ValueAt<O[Head], Rest>
      : never
    : P extends keyof O
      ? O[P]
      : never;
