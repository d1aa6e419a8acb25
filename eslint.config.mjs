// Lint for virtkit: typescript-eslint's type-aware recommended rules, plus Pulumi's own rule
// that an Output never lands in a template string (it would print "Calling [toString] on an
// Output<T> is not supported" instead of its value).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

// The SDK's layers, bottom up; data flows one way (xml -> schema -> host -> render -> program ->
// components -> cli), so a file may import only from its own layer or those below it.
// xml (the one XML reader) sits under everything: host/ reads capabilities and nodedev XML with
// it, import/ domain XML, and it needs nothing of virtkit's.
// import (domain XML -> schema input and program text) is render's way back, as pure as it.
// Components live one folder deeper (compute/pinnedVm/...), so a layer is matched by its
// folder name after the specifier's ../ steps.
const LAYERS = [["xml"], ["schema"], ["host"], ["render", "import"], ["program"], ["libvirtHost"], ["compute", "storage", "network"], ["cli"], ["package"]];
const layerRules = LAYERS.map((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  return {
    files: layer.map((dir) => `sdk/src/${dir}/**/*.ts`),
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // a layer is a folder right under sdk/src, reached by ../ steps: schema/compute.ts is not the compute layer
              regex: `^(\\.\\./)+(${[...above, ...(layer.includes("package") ? [] : ["components"]), "index", "tests", "examples", "bench", "scripts"].join("|")})(/|$)`,
              message: `sdk/src/${layer.join(", ")} may import only from its own layer and those below it (${LAYERS.slice(0, i).flat().join(", ") || "errors"}): see the README's layout.`,
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "sdks/**", ".scratch/**", "bench/**/*.js", "scripts/**/*.js", "jest.config.js", "coverage/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { pulumi },
    rules: {
      "pulumi/no-output-in-template-literal": "error",
      "pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...layerRules,
  {
    // tests read parsed XML and mock payloads as loose records
    files: ["tests/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
