/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  moduleNameMapper: {
    "^@pulumi/libvirt$": "<rootDir>/sdks/libvirt/index.ts",
    "^virtkit$": "<rootDir>/sdk/src/index.ts",
  },
  transform: {
    "^.+\\.ts$": ["ts-jest", {}],
  },
  setupFiles: ["<rootDir>/tests/support/quietPulumiLog.ts"],
  testTimeout: 60000,
};
