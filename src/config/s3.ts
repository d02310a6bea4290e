/**
 * Reads a definitions file from `s3://bucket/key`, as Cupcake's *_DEFINITIONS_FILE variables
 * allow. Region, credentials and endpoint come from the standard AWS variables passed in.
 */

/** Bucket and key of an `s3://bucket/key` URL, or undefined when it is not one. */
export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(url);
  return m ? { bucket: m[1] as string, key: m[2] as string } : undefined;
}

/** Fetches the object's text. Throws with the service's error name (`NoSuchKey`, `AccessDenied`, …). */
export async function readS3Text(url: string, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const loc = parseS3Url(url);
  if (!loc) throw new Error("expected s3://bucket/key");
  // Loaded on first use: the SDK is large and most configurations never touch S3.
  const { GetObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const client = new S3Client({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    maxAttempts: 2,
    // A custom endpoint (MinIO, a local gateway) is addressed by path, not by bucket host name.
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(credentials ? { credentials } : {}),
  });
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    if (!out.Body) throw new Error("the object has no body");
    return await out.Body.transformToString("utf8");
  } finally {
    client.destroy();
  }
}
