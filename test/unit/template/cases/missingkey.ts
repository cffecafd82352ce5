// The missingkey option.
import { stringMap, type Case } from '../support.ts';

const DATA = { m: { a: 'A' }, labels: stringMap({ a: 'A' }), nul: null };

export const MISSING_KEY: readonly Case[] = [
  { name: 'default prints <no value>', tpl: '{{.m.x}}', data: DATA, want: '<no value>' },
  {
    name: 'invalid is the same as default',
    tpl: '{{.m.x}}',
    data: DATA,
    missingKey: 'invalid',
    want: '<no value>',
  },
  {
    name: 'default on map[string]string prints <no value>',
    tpl: '{{.labels.x}}',
    data: DATA,
    want: '<no value>',
  },
  {
    name: 'zero on map[string]string gives ""',
    tpl: '[{{.labels.x}}]',
    data: DATA,
    missingKey: 'zero',
    want: '[]',
  },
  {
    name: 'zero on map[string]interface{} still prints <no value>',
    tpl: '{{.m.x}}',
    data: DATA,
    missingKey: 'zero',
    want: '<no value>',
  },
  {
    name: 'zero value of an interface map is nil to functions',
    tpl: '{{print .m.x}}',
    data: DATA,
    missingKey: 'zero',
    want: '<nil>',
  },
  {
    name: 'zero and eq on map[string]string',
    tpl: '{{eq .labels.x ""}}',
    data: DATA,
    missingKey: 'zero',
    want: 'true',
  },
  {
    name: 'error on a missing key',
    tpl: '{{.m.x}}',
    data: DATA,
    missingKey: 'error',
    err: 'template: t:1:4: executing "t" at <.m.x>: map has no entry for key "x"',
  },
  {
    name: 'error on a missing top-level key',
    tpl: '{{.x}}',
    data: DATA,
    missingKey: 'error',
    err: 'template: t:1:2: executing "t" at <.x>: map has no entry for key "x"',
  },
  {
    name: 'error through a missing value',
    tpl: '{{.x.y}}',
    data: {},
    missingKey: 'error',
    err: 'template: t:1:4: executing "t" at <.x.y>: map has no entry for key "x"',
  },
  {
    name: 'error on nil data',
    tpl: '{{.x}}',
    missingKey: 'error',
    err: 'template: t:1:2: executing "t" at <.x>: nil data; no entry for key "x"',
  },
  { name: 'error does not affect present keys', tpl: '{{.m.a}}', data: DATA, missingKey: 'error', want: 'A' },
  {
    name: 'error does not affect index',
    tpl: '{{index .m "x"}}',
    data: DATA,
    missingKey: 'error',
    want: '<no value>',
  },
  {
    name: 'error with a nil value present',
    tpl: '{{.nul}}',
    data: DATA,
    missingKey: 'error',
    want: '<no value>',
  },
];
