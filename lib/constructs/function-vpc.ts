// Puts a function into existing subnets and security groups by id (synth stays offline: nothing is looked up in the
// account), with the network-interface permissions of AWSLambdaVPCAccessExecutionRole narrowed to those subnets and groups.
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { VpcConfig } from '../../lambdas/core/config.js';

export function attachToVpc(fn: lambda.Function, vpc: VpcConfig): void {
  const subnets = vpc.subnetIds.map((id, i) => ec2.Subnet.fromSubnetId(fn, `Subnet${i}`, id));
  const groups = vpc.securityGroupIds.map((id, i) =>
    ec2.SecurityGroup.fromSecurityGroupId(fn, `SecurityGroup${i}`, id, { mutable: false }),
  );
  // aws-cdk-lib's `vpc` prop wants the whole VPC (its id and zones); the function's VpcConfig needs only these ids.
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  cfn.vpcConfig = { subnetIds: subnets.map((s) => s.subnetId), securityGroupIds: groups.map((g) => g.securityGroupId) };

  const stack = Stack.of(fn);
  const ec2Arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name });
  const policy = new iam.Policy(fn, 'VpcAccess', {
    statements: [
      // Lambda creates the function's network interfaces in these subnets and groups only.
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [
          ec2Arn('network-interface', '*'),
          ...vpc.subnetIds.map((id) => ec2Arn('subnet', id)),
          ...vpc.securityGroupIds.map((id) => ec2Arn('security-group', id)),
        ],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: [ec2Arn('network-interface', '*')],
        // Only interfaces in the function's subnets.
        conditions: { ArnEquals: { 'ec2:Subnet': vpc.subnetIds.map((id) => ec2Arn('subnet', id)) } },
      }),
      // Describe calls take no resource: IAM defines them on "*" only.
      new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
    ],
  });
  fn.role!.attachInlinePolicy(policy);
  // Lambda checks the permissions when it creates the function in the VPC: the policy must exist first.
  cfn.node.addDependency(policy);
}
