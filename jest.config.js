/** Tests sit next to the code: *.unit.test.ts (pure), *.int.test.ts (real RabbitMQ/MongoDB-wire), *.e2e.test.ts (whole stack). */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // jose ships ESM only; let swc turn it into CommonJS for jest's module system.
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  moduleNameMapper: { '^@sidekiq/shared$': '<rootDir>/libs/shared/src/index.ts', '^@sidekiq/shared/telemetry$': '<rootDir>/libs/shared/src/telemetry.ts' },
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
};
