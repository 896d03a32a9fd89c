// ESLint for our TypeScript: typescript-eslint's recommended type-checked rules everywhere, React's hook rules in the
// dApp, and Prettier owning the layout (eslint-config-prettier turns off the rules that would fight it).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["typechain-types/**", "artifacts/**", "cache/**", "dist/**", "node_modules/**", "test-artifacts/**", "src/web/dist/**", "**/*.mjs", "**/*.cjs", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // The dApp's Vite config runs in Node, the dApp in the browser: it has its own tsconfig (src/web/tsconfig.node.json).
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ["src/web/vite.config.mts"], defaultProject: "src/web/tsconfig.node.json" }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Unused names are a compile error already (noUnusedLocals); `_`-prefixed parameters are deliberate.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  { files: ["src/web/**/*.{ts,tsx}"], plugins: { "react-hooks": reactHooks }, rules: reactHooks.configs.recommended.rules },
  // Mocha's `this` and chai's property assertions (`expect(x).to.be.true`) are expressions by design.
  { files: ["test/**/*.ts"], rules: { "@typescript-eslint/no-unused-expressions": "off" } },
  prettier,
);
