// A small go.mod reader (the directives the pin checks need) and the checks that keep the committed
// go.mod files in step with versions.json. Pure functions: the build script and the tests feed them text.

export interface GoModFile {
  readonly module: string | undefined;
  readonly go: string | undefined;
  /** module path -> version, direct and indirect. */
  readonly require: ReadonlyMap<string, string>;
  /** module path -> replacement ("path version" for a module, a relative path for a directory). */
  readonly replace: ReadonlyMap<string, { readonly path: string; readonly version: string | undefined }>;
  readonly tool: readonly string[];
}

const blockDirectives = new Set(['require', 'replace', 'tool', 'exclude', 'retract', 'godebug', 'ignore']);

/** Parses the subset of go.mod syntax the Go command writes: one-line directives and `( ... )` blocks. */
export function parseGoMod(text: string, fileName = 'go.mod'): GoModFile {
  let module: string | undefined;
  let go: string | undefined;
  const require = new Map<string, string>();
  const replace = new Map<string, { path: string; version: string | undefined }>();
  const tool: string[] = [];
  let block: string | undefined;

  const handle = (directive: string, args: string[], lineNo: number): void => {
    const fail = (why: string): never => {
      throw new Error(`${fileName}:${lineNo}: ${directive}: ${why}`);
    };
    switch (directive) {
      case 'module':
        module = args[0] ?? fail('missing module path');
        break;
      case 'go':
        go = args[0] ?? fail('missing version');
        break;
      case 'require': {
        const [path, version] = args;
        if (path === undefined || version === undefined) fail('expected "path version"');
        require.set(path!, version!);
        break;
      }
      case 'replace': {
        const arrow = args.indexOf('=>');
        if (arrow < 1) fail('expected "old [version] => new [version]"');
        const target = args.slice(arrow + 1);
        if (target[0] === undefined) fail('missing replacement');
        replace.set(args[0]!, { path: target[0]!, version: target[1] });
        break;
      }
      case 'tool':
        tool.push(args[0] ?? fail('missing package path'));
        break;
      default:
        // toolchain, exclude, retract, godebug, ignore: not needed by the checks.
        break;
    }
  };

  text.split('\n').forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.replace(/\/\/.*$/, '').trim();
    if (line === '') return;
    if (block !== undefined) {
      if (line === ')') {
        block = undefined;
        return;
      }
      handle(block, line.split(/\s+/), lineNo);
      return;
    }
    const [directive, ...args] = line.split(/\s+/);
    if (directive === undefined) return;
    if (args.length === 1 && args[0] === '(' && blockDirectives.has(directive)) {
      block = directive;
      return;
    }
    handle(directive, args, lineNo);
  });
  if (block !== undefined) throw new Error(`${fileName}: unterminated ${block} ( block`);
  return { module, go, require, replace, tool };
}

export interface PinCheckInput {
  readonly versions: { readonly kubernetes: string; readonly etcd: string; readonly kwok: string };
  readonly stagingVersion: string;
  /** Our module files, by versions.json key. */
  readonly kubernetesModule: GoModFile;
  readonly etcdModule: GoModFile;
  readonly kwokModule: GoModFile;
  /** k8s.io/kubernetes's own go.mod at the pinned tag, when available (it lists the staging modules and etcd). */
  readonly upstreamKubernetes?: GoModFile;
}

/** Every way the go.mod files disagree with versions.json, as readable sentences; empty when they agree. */
export function checkModulePins(input: PinCheckInput): string[] {
  const problems: string[] = [];
  const { versions } = input;
  const expectRequire = (file: GoModFile, name: string, modulePath: string, version: string): void => {
    const found = file.require.get(modulePath);
    if (found !== version) {
      problems.push(
        `go/${name}/go.mod requires ${modulePath} ${found ?? '(nothing)'}, versions.json says ${version}`,
      );
    }
  };
  expectRequire(input.kubernetesModule, 'kubernetes', 'k8s.io/kubernetes', versions.kubernetes);
  expectRequire(input.etcdModule, 'etcd', 'go.etcd.io/etcd/server/v3', versions.etcd);
  expectRequire(input.kwokModule, 'kwok', 'sigs.k8s.io/kwok', versions.kwok);

  for (const [path, target] of input.kubernetesModule.replace) {
    if (!path.startsWith('k8s.io/')) continue;
    if (target.path !== path || target.version !== input.stagingVersion) {
      problems.push(
        `go/kubernetes/go.mod replaces ${path} with ${target.path} ${target.version ?? ''}`.trimEnd() +
          `, expected ${path} ${input.stagingVersion}`,
      );
    }
  }
  for (const [path, version] of input.kubernetesModule.require) {
    if (path.startsWith('k8s.io/') && version === 'v0.0.0' && !input.kubernetesModule.replace.has(path)) {
      problems.push(`go/kubernetes/go.mod requires ${path} v0.0.0 without a replace line`);
    }
  }

  const upstream = input.upstreamKubernetes;
  if (upstream !== undefined) {
    // k8s.io/kubernetes replaces each staging module with ./staging/src/<path>; ours must pin every one.
    for (const [path, target] of upstream.replace) {
      if (target.path.startsWith('./staging/') && !input.kubernetesModule.replace.has(path)) {
        problems.push(`go/kubernetes/go.mod lacks a replace line for staging module ${path}`);
      }
    }
    const etcdListed = upstream.require.get('go.etcd.io/etcd/server/v3');
    if (etcdListed !== undefined && etcdListed !== versions.etcd) {
      problems.push(
        `versions.json pins etcd ${versions.etcd}, but Kubernetes ${versions.kubernetes} lists go.etcd.io/etcd/server/v3 ${etcdListed}`,
      );
    }
  }
  return problems;
}
