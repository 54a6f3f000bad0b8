/**
 * JSON Schema of a trigger file. Differences from the original loader, on purpose:
 * `args` may be left out (fontconfig's real trigger has none, so upstream never loaded it);
 * `before`/`after` take a name or a list of names; `type` also accepts `file`; a handler is
 * either `run` (+ `args`) or `delete`, never both; unknown keys inside a handler or a path
 * entry are errors (a typo such as `arg:` must not silently drop the arguments). Unknown
 * top-level keys stay allowed, as upstream (its own test file has `needs:`).
 */
const names = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 } },
  ],
} as const;

const stringList = { type: 'array', items: { type: 'string' } } as const;

export const triggerSchema = {
  type: 'object',
  required: ['name', 'description', 'handlers', 'paths'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    before: names,
    after: names,
    inhibitors: {
      type: 'object',
      properties: { paths: stringList, environment: stringList },
      additionalProperties: false,
    },
    handlers: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        if: { required: ['delete'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keywords
        then: {
          properties: { delete: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
          additionalProperties: false,
        },
        else: {
          required: ['run'],
          properties: { run: { type: 'string', minLength: 1 }, args: stringList },
          additionalProperties: false,
        },
      },
    },
    paths: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['handlers'],
        properties: {
          handlers: { type: 'array', items: { type: 'string', minLength: 1 } },
          type: { enum: ['file', 'directory', 'symlink'] },
        },
        additionalProperties: false,
      },
    },
  },
} as const;
