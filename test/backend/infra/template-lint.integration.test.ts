// cfn-lint (AWS's CloudFormation linter, a Python tool installed next to moto on these machines)
// checks the templates against the resource specifications: property names and types, allowed
// values, GetAtt attributes, Fargate's CPU and memory pairs. Both templates: the main one and the
// service (ECS Fargate) one it nests. Skipped with a note where it is not installed.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DOCKSIDE_SERVICE_TEMPLATE_PATH, DOCKSIDE_TEMPLATE_PATH } from '../../../backend/src/aws/stack-deployer.js';

const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const installed = version.status === 0;

describe.skipIf(!installed)('CloudFormation templates: cfn-lint', () => {
  it.each([
    ['dockside.template.json', DOCKSIDE_TEMPLATE_PATH],
    ['dockside-service.template.json', DOCKSIDE_SERVICE_TEMPLATE_PATH],
  ])('%s has no errors or warnings', (_name, path) => {
    const run = spawnSync('cfn-lint', ['--format', 'parseable', path], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

if (!installed) console.warn('cfn-lint not installed (pip install cfn-lint): the template lint test is skipped.');
