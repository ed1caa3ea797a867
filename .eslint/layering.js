/**
 * ESLint plugin `layering`: the folder boundaries of ARCHITECTURE.md ("Layers").
 *
 * Rule `layering/layers` resolves every relative import of a file (static `import`/`export ... from`,
 * `import type`, `import()`, `require()`, TS `import('x').T` types) against the file's own folder and
 * reports it when the target lies in a layer that the importing layer may not use. Matching the raw
 * import string cannot do this: `../data/x` is a sibling layer from engine/core/a.ts but a subfolder of
 * engine/core from engine/core/sub/a.ts.
 *
 * It also reports `import('pkg')`, `require('pkg')` and `import('pkg').T` of packages the layer may not
 * use; static imports of those packages are reported by `no-restricted-imports`, which ignores these forms.
 *
 * Options (one object):
 *   root:       absolute path of the project; files outside it are not checked
 *   layers:     { [name]: { paths: string[], mayImport: string[], deniedPackages?: RegExp source[] } }
 *               `paths` are folders relative to root; a file's layer is the one with the longest
 *               matching path. A layer may always import itself; files outside every layer are free.
 *   exceptions: [{ from: layer, to: 'path/without/extension', typeOnly: boolean }]
 */
import path from 'node:path';

const SOURCE_EXT = /\.(?:d\.ts|ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** @param {string} p */
function toPosix(p) {
  return p.split(path.sep).join('/');
}

/**
 * @param {Record<string, {paths: string[]}>} layers
 * @param {string} rel a root-relative posix path
 * @returns {string | null}
 */
function layerOf(layers, rel) {
  let best = null;
  let bestLen = -1;
  for (const [name, layer] of Object.entries(layers)) {
    for (const p of layer.paths) {
      if ((rel === p || rel.startsWith(`${p}/`)) && p.length > bestLen) {
        best = name;
        bestLen = p.length;
      }
    }
  }
  return best;
}

/** @param {any} node */
function isTypeOnly(node) {
  if (node.type === 'TSImportType') return true;
  if (node.type === 'ImportDeclaration') {
    if (node.importKind === 'type') return true;
    return (
      node.specifiers.length > 0 &&
      node.specifiers.every((/** @type {any} */ s) => s.type === 'ImportSpecifier' && s.importKind === 'type')
    );
  }
  if (node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') {
    return node.exportKind === 'type';
  }
  return false;
}

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the runtime layering of the project folders' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layers: { type: 'object' },
          exceptions: { type: 'array' },
        },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      crossLayer: "'{{from}}' may not import from '{{to}}' ({{source}}). {{from}} may use: {{allowed}}.",
      typeOnly: "'{{from}}' may import '{{source}}' with `import type` only.",
      deniedPackage: "'{{from}}' may not load '{{source}}' (not available in this runtime).",
    },
  },
  create(context) {
    const options = context.options[0];
    const root = path.resolve(options.root);
    const layerDefs = options.layers;
    const exceptions = options.exceptions ?? [];
    const filename = context.filename;
    if (!path.isAbsolute(filename)) return {};
    const fileRel = toPosix(path.relative(root, filename));
    if (fileRel.startsWith('../') || path.isAbsolute(fileRel)) return {};
    const from = layerOf(layerDefs, fileRel);
    if (from === null) return {};
    const def = layerDefs[from];
    const mayImport = new Set([from, ...def.mayImport]);
    /** @type {RegExp[]} */
    const denied = (def.deniedPackages ?? []).map((/** @type {string} */ s) => new RegExp(s));

    /**
     * @param {any} node the import-like node (for type-only detection)
     * @param {any} sourceNode the string literal holding the specifier
     * @param {boolean} dynamic import() or require(): packages are checked here too
     */
    function check(node, sourceNode, dynamic) {
      if (!sourceNode || sourceNode.type !== 'Literal' || typeof sourceNode.value !== 'string') return;
      const source = sourceNode.value;
      if (source.startsWith('./') || source.startsWith('../') || source === '.' || source === '..') {
        const targetRel = toPosix(path.relative(root, path.resolve(path.dirname(filename), source)));
        if (targetRel.startsWith('../')) return;
        const to = layerOf(layerDefs, targetRel);
        if (to === null || mayImport.has(to)) return;
        const bare = targetRel.replace(SOURCE_EXT, '');
        const exception = exceptions.find(
          (/** @type {{from: string, to: string}} */ e) => e.from === from && e.to === bare,
        );
        if (exception) {
          if (exception.typeOnly && !isTypeOnly(node)) {
            context.report({ node: sourceNode, messageId: 'typeOnly', data: { from, source } });
          }
          return;
        }
        context.report({
          node: sourceNode,
          messageId: 'crossLayer',
          data: { from, to, source, allowed: [...mayImport].join(', ') },
        });
        return;
      }
      if (dynamic && denied.some((re) => re.test(source))) {
        context.report({ node: sourceNode, messageId: 'deniedPackage', data: { from, source } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source, false),
      ExportNamedDeclaration: (node) => check(node, node.source, false),
      ExportAllDeclaration: (node) => check(node, node.source, false),
      ImportExpression: (node) => check(node, node.source, true),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1) {
          check(node, node.arguments[0], true);
        }
      },
      /** @param {any} node */
      TSImportType(node) {
        // typescript-eslint 8: `argument` is a TSLiteralType wrapping the string literal.
        const arg = node.argument;
        check(node, arg && arg.type === 'TSLiteralType' ? arg.literal : arg, true);
      },
      /** @param {any} node */
      TSExternalModuleReference(node) {
        check(node, node.expression, true);
      },
    };
  },
};

export default {
  meta: { name: 'layering' },
  rules: { layers },
};
