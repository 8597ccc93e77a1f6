/**
 * The AWS SDK prints, once per process on Node < 22, that its releases after January 2027 will need Node 22. This
 * example pins a release that runs on Node 20 (the repository's engines), so the notice is noise on every KMS run.
 * Example code only (a library never sets process settings for its users); an explicit setting wins.
 */
export function quietAwsSdkNodeNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}
