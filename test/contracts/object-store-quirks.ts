// What each S3 server does where servers legitimately differ. The ObjectStore contract
// (object-store.contract.ts) asserts that a server does exactly what its record says; everything
// the engine sees beyond these (gone uploads, missing buckets, error messages, ETags) is the same
// on every server.

export interface ObjectStoreQuirks {
  /** Takes an UploadPart body sent aws-chunked with a CRC32 trailer (RGW 16.2 refuses it). */
  readonly checksumTrailers: boolean;
  /** When it refuses the trailer: only after reading the whole part (RGW 16.2 does). */
  readonly trailerRefusalReadsWholeBody: boolean;
  /** UploadPart answers x-amz-checksum-crc32, with the CRC32 sent in a header / as a trailer. */
  readonly echoesPartCrc32: { readonly header: boolean; readonly trailer: boolean };
  /** ListParts gives each part's CRC32. */
  readonly listsPartCrc32: boolean;
  /** A part whose x-amz-checksum-crc32 header does not match its bytes is refused. */
  readonly verifiesCrc32: boolean;
  /** A part whose Content-MD5 does not match its bytes is refused. */
  readonly verifiesContentMd5: boolean;
  /** Complete with a FULL_OBJECT CRC32 that does not match the parts is refused. */
  readonly verifiesFullObjectCrc32: boolean;
  /** HeadObject with checksum mode gives the object's CRC32 (the true one) and type FULL_OBJECT. */
  readonly headReportsCrc32: boolean;
  /** Completing an upload again after it completed answers the same ETag (else NoSuchUpload). */
  readonly completeIsRepeatable: boolean;
  /** A part's ETag is the quoted hex MD5 of its bytes. */
  readonly partEtagIsMd5: boolean;
  /** The object's ETag is the quoted hex MD5 of the parts' binary MD5s, then "-N". */
  readonly multipartEtagIsMd5OfMd5s: boolean;
  /** Every bucket name exists without being created (our sink): a "missing" bucket is just empty. */
  readonly bucketsImplicit: boolean;
}

/** moto 5.2 (moto_server), checked by test/main/engine/s3-object-store.moto.integration.test.ts. */
export const MOTO_QUIRKS: ObjectStoreQuirks = {
  checksumTrailers: true,
  trailerRefusalReadsWholeBody: false,
  echoesPartCrc32: { header: false, trailer: true },
  listsPartCrc32: false,
  verifiesCrc32: false,
  verifiesContentMd5: false,
  verifiesFullObjectCrc32: false,
  // moto computes the object's CRC32 from the parts itself, whatever Complete said.
  headReportsCrc32: true,
  completeIsRepeatable: true,
  partEtagIsMd5: true,
  multipartEtagIsMd5OfMd5s: true,
  bucketsImplicit: false,
};

/** Our benchmark sink (bench/sink/s3-sink.ts) with MD5 ETags on (its default). */
export const SINK_QUIRKS: ObjectStoreQuirks = {
  checksumTrailers: true,
  trailerRefusalReadsWholeBody: false,
  echoesPartCrc32: { header: true, trailer: true },
  listsPartCrc32: true,
  verifiesCrc32: true,
  verifiesContentMd5: true,
  verifiesFullObjectCrc32: true,
  headReportsCrc32: true,
  completeIsRepeatable: true,
  partEtagIsMd5: true,
  multipartEtagIsMd5OfMd5s: true,
  bucketsImplicit: true,
};

/** Ceph RADOS Gateway 16.2.15 (Debian 12 `radosgw`), started by test/support/rgw-server.ts. */
export const RGW_QUIRKS: ObjectStoreQuirks = {
  checksumTrailers: false,
  trailerRefusalReadsWholeBody: true,
  echoesPartCrc32: { header: false, trailer: false },
  listsPartCrc32: false,
  verifiesCrc32: false,
  verifiesContentMd5: true,
  verifiesFullObjectCrc32: false,
  headReportsCrc32: false,
  completeIsRepeatable: true,
  partEtagIsMd5: true,
  multipartEtagIsMd5OfMd5s: true,
  bucketsImplicit: false,
};

/**
 * Amazon S3 as documented (flexible checksums, FULL_OBJECT CRC32, repeatable Complete), for a
 * bucket without SSE-KMS or SSE-C default encryption (those make ETags other than MD5s). Not
 * checked on these machines: run the contract with DOCKSIDE_CONTRACT_ENDPOINT to check it.
 */
export const AWS_S3_QUIRKS: ObjectStoreQuirks = {
  checksumTrailers: true,
  trailerRefusalReadsWholeBody: false,
  echoesPartCrc32: { header: true, trailer: true },
  listsPartCrc32: true,
  verifiesCrc32: true,
  verifiesContentMd5: true,
  verifiesFullObjectCrc32: true,
  headReportsCrc32: true,
  completeIsRepeatable: true,
  partEtagIsMd5: true,
  multipartEtagIsMd5OfMd5s: true,
  bucketsImplicit: false,
};

export const QUIRK_PRESETS: Readonly<Record<string, ObjectStoreQuirks>> = {
  aws: AWS_S3_QUIRKS,
  moto: MOTO_QUIRKS,
  rgw: RGW_QUIRKS,
  sink: SINK_QUIRKS,
};

/**
 * The quirks named by DOCKSIDE_CONTRACT_QUIRKS: a preset name (aws, moto, rgw, sink), or a JSON
 * object of fields over the `aws` preset, e.g. `{"completeIsRepeatable":false}` for MinIO.
 */
export function quirksFromEnvironment(value: string | undefined): ObjectStoreQuirks {
  if (value === undefined || value.trim() === '') return AWS_S3_QUIRKS;
  const preset = QUIRK_PRESETS[value.trim()];
  if (preset) return preset;
  let fields: unknown;
  try {
    fields = JSON.parse(value);
  } catch {
    throw new Error(`DOCKSIDE_CONTRACT_QUIRKS is neither a preset (${Object.keys(QUIRK_PRESETS).join(', ')}) nor JSON: ${value}`);
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new Error('DOCKSIDE_CONTRACT_QUIRKS must be a JSON object.');
  const unknown = Object.keys(fields).filter((k) => !(k in AWS_S3_QUIRKS));
  if (unknown.length > 0) throw new Error(`DOCKSIDE_CONTRACT_QUIRKS has unknown fields: ${unknown.join(', ')}`);
  return { ...AWS_S3_QUIRKS, ...(fields as Partial<ObjectStoreQuirks>) };
}
