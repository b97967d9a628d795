// Imported first by the local entry points: on Node.js 20 the AWS SDK warns that it will need Node.js 22
// from 2027 (Lambda already runs 22). The SDK's own switch turns that one warning off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
