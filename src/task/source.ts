import { parse, type Node } from 'acorn';
import { TaskDefinitionError } from '../core/errors.js';
import type { SourceTaskSpec } from './spec.js';

/**
 * Turns a plain function into source that a worker can compile, and refuses a function that uses
 * variables from its enclosing scope: in the worker those variables do not exist, and a late
 * ReferenceError there is much harder to understand than an error at submit.
 */

/** Names a fresh worker knows without imports. `__name` is the helper tsx/esbuild inserts. */
const knownGlobals = new Set<string>([
  ...Object.getOwnPropertyNames(globalThis),
  'arguments', 'undefined', 'NaN', 'Infinity', 'globalThis', '__name',
]);

const cache = new WeakMap<Function, SourceTaskSpec>();

/** The source spec of a self-contained function; throws {@link TaskDefinitionError} otherwise. */
export function sourceSpecOf(fn: Function): SourceTaskSpec {
  const cached = cache.get(fn);
  if (cached) return cached;
  const name = fn.name || 'anonymous';
  const { source, ast } = parseFunction(fn, name);
  const free = freeVariables(ast).filter((id) => !knownGlobals.has(id));
  if (free.length > 0) {
    const list = free.map((id) => `'${id}'`).join(', ');
    throw new TaskDefinitionError(
      `Function '${name}' uses ${list} from its enclosing scope, which does not exist in a worker. ` +
        'Pass the value as an argument, import it inside the function with `await import(...)`, ' +
        'or export the function from a module and wrap it with defineTask(import.meta.url, fn).',
    );
  }
  const spec: SourceTaskSpec = { kind: 'source', source, name };
  cache.set(fn, spec);
  return spec;
}

function parseFunction(fn: Function, name: string): { source: string; ast: Node } {
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    throw new TaskDefinitionError(
      `Function '${name}' is native or bound and has no source to ship to a worker. ` +
        'Wrap the call in a plain function, or export it from a module and use defineTask(import.meta.url, fn).',
    );
  }
  if (/^class[\s{]/.test(text)) {
    throw new TaskDefinitionError(`'${name}' is a class, not a function; a task must be a function.`);
  }
  // Method shorthand (`double(n) {...}`, `*gen() {...}`, `async*gen() {...}`) is not an expression;
  // try it as a function expression. `function ` first, so a method named `async` stays itself.
  const candidates = [text, `function ${text}`, text.replace(/^async\s*(\*?)\s*/, (_m, star: string) => `async function${star} `)];
  for (const source of candidates) {
    try {
      const ast = parse(`(${source})`, { ecmaVersion: 'latest', sourceType: 'script' });
      return { source, ast };
    } catch {
      // try the next form
    }
  }
  throw new TaskDefinitionError(`The source of function '${name}' cannot be parsed to ship it to a worker; use defineTask(import.meta.url, fn).`);
}

type AnyNode = Node & Record<string, unknown>;

/**
 * Identifiers the function reads or writes but never declares. A name declared anywhere inside counts
 * as declared everywhere: simpler than full scope analysis, and a rare miss still fails in the worker
 * with a ReferenceError that the loader turns into a TaskDefinitionError.
 */
function freeVariables(ast: Node): string[] {
  const declared = new Set<string>();
  const referenced = new Set<string>();

  const declarePattern = (node: AnyNode | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Identifier': declared.add(node.name as string); return;
      case 'ObjectPattern':
        for (const prop of node.properties as AnyNode[]) {
          if (prop.type === 'RestElement') declarePattern(prop.argument as AnyNode);
          else {
            if (prop.computed) visit(prop.key as AnyNode, prop, 'key');
            declarePattern(prop.value as AnyNode);
          }
        }
        return;
      case 'ArrayPattern': for (const el of node.elements as AnyNode[]) declarePattern(el); return;
      case 'RestElement': declarePattern(node.argument as AnyNode); return;
      case 'AssignmentPattern': declarePattern(node.left as AnyNode); visit(node.right as AnyNode, node, 'right'); return;
      default: visit(node, undefined, ''); // a member expression target in a for-of, say
    }
  };

  const visit = (node: AnyNode | null | undefined, parent: AnyNode | undefined, key: string): void => {
    if (!node || typeof node.type !== 'string') return;
    switch (node.type) {
      case 'Identifier':
        if (!isNonReference(parent, key)) referenced.add(node.name as string);
        return;
      case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
        declarePattern(node.id as AnyNode);
        for (const param of node.params as AnyNode[]) declarePattern(param);
        visit(node.body as AnyNode, node, 'body');
        return;
      case 'ClassDeclaration': case 'ClassExpression':
        declarePattern(node.id as AnyNode);
        visit(node.superClass as AnyNode, node, 'superClass');
        visit(node.body as AnyNode, node, 'body');
        return;
      case 'VariableDeclarator':
        declarePattern(node.id as AnyNode);
        visit(node.init as AnyNode, node, 'init');
        return;
      case 'CatchClause':
        declarePattern(node.param as AnyNode);
        visit(node.body as AnyNode, node, 'body');
        return;
      default:
        for (const [childKey, child] of Object.entries(node)) {
          if (Array.isArray(child)) for (const item of child) visit(item as AnyNode, node, childKey);
          else if (child && typeof child === 'object') visit(child as AnyNode, node, childKey);
        }
    }
  };

  visit(ast as AnyNode, undefined, '');
  return [...referenced].filter((id) => !declared.has(id));
}

function isNonReference(parent: AnyNode | undefined, key: string): boolean {
  if (!parent) return false;
  switch (parent.type) {
    case 'MemberExpression': return key === 'property' && !parent.computed;
    case 'Property': case 'MethodDefinition': case 'PropertyDefinition':
      return key === 'key' && !parent.computed; // a shorthand `{ a }` is still read through its `value`
    case 'LabeledStatement': case 'BreakStatement': case 'ContinueStatement': return key === 'label';
    case 'MetaProperty': return true;
    default: return false;
  }
}
