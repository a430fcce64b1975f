// The few WebAssembly globals db-diff uses (Node has them; lib "ES2023" does not declare them).
declare namespace WebAssembly {
  type ModuleImports = Record<string, unknown>;
  interface Module {}
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(module: Module, imports: Record<string, ModuleImports>): Promise<Instance>;
}
