import { describe, expect, it } from 'vitest';
import { contextFromOutputs, queuePoliciesOf, resolveIntrinsics, TemplateResolveError, type StackTemplate } from '../../../backend/src/domain/stack-template.js';

const ctx = {
  parameters: { NamePrefix: 'p', 'AWS::Region': 'eu-west-1' },
  refs: { Queue: 'https://q' },
  attributes: { 'Queue.Arn': 'arn:q', 'Bucket.Arn': 'arn:aws:s3:::b' },
};

describe('resolveIntrinsics', () => {
  it('resolves Ref, GetAtt (list and dotted), Sub (with ${X.Attr} and local variables) and Join, deeply', () => {
    expect(
      resolveIntrinsics(
        {
          a: { Ref: 'NamePrefix' },
          b: [{ 'Fn::GetAtt': ['Queue', 'Arn'] }, { 'Fn::GetAtt': 'Bucket.Arn' }],
          c: { 'Fn::Sub': '${NamePrefix}-${AWS::Region}/${Bucket.Arn}/*' },
          d: { 'Fn::Sub': ['${x}-${NamePrefix}', { x: { Ref: 'Queue' } }] },
          e: { 'Fn::Join': [':', ['a', { Ref: 'NamePrefix' }]] },
          f: 7,
        },
        ctx,
      ),
    ).toEqual({ a: 'p', b: ['arn:q', 'arn:aws:s3:::b'], c: 'p-eu-west-1/arn:aws:s3:::b/*', d: 'https://q-p', e: 'a:p', f: 7 });
  });

  it('says which reference it cannot resolve, and refuses functions it does not know', () => {
    expect(() => resolveIntrinsics({ Ref: 'Nope' }, ctx)).toThrow(/Ref Nope/);
    expect(() => resolveIntrinsics({ 'Fn::GetAtt': ['Queue', 'QueueName'] }, ctx)).toThrow(/Queue.QueueName/);
    expect(() => resolveIntrinsics({ 'Fn::If': ['c', 1, 2] }, ctx)).toThrow(TemplateResolveError);
  });
});

describe('contextFromOutputs / queuePoliciesOf', () => {
  it('learns Ref and GetAtt values from outputs and resolves a queue policy with them', () => {
    const template: StackTemplate = {
      Resources: {
        Q: { Type: 'AWS::SQS::Queue' },
        QP: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: { Queues: [{ Ref: 'Q' }], PolicyDocument: { Statement: [{ Resource: { 'Fn::GetAtt': ['Q', 'Arn'] } }] } },
        },
      },
      Outputs: { QUrl: { Value: { Ref: 'Q' } }, QArn: { Value: { 'Fn::GetAtt': ['Q', 'Arn'] } } },
    };
    const c = contextFromOutputs(template, { QUrl: 'http://local/1/q', QArn: 'arn:aws:sqs:r:1:q' }, {});
    expect(queuePoliciesOf(template, c)).toEqual([{ logicalId: 'QP', queueUrls: ['http://local/1/q'], policy: '{"Statement":[{"Resource":"arn:aws:sqs:r:1:q"}]}' }]);
  });
});
