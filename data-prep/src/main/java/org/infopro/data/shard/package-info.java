/**
 * The contract between preparation and training: the shard schema ({@link org.infopro.data.shard.ShardSchema}),
 * the manifest beside the shards ({@link org.infopro.data.shard.DatasetManifest}), the writer and reader of both,
 * and the training input pipeline over them. Schema and manifest are one package because each needs the
 * other: the manifest records the schema version it was written with, and the writer and reader work in the
 * manifest's terms (splits, shard files, label map).
 */
package org.infopro.data.shard;
