package org.infopro.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the rows of a {@link ShardChunk} straight from its Parquet file: only the columns training needs, and
 * only the row groups the range touches (the others are skipped by their footer row counts, unread).
 */
public final class ChunkReader {
    private static final String[] V1 = {ShardSchema.KEY, ShardSchema.LABEL, ShardSchema.IMAGE};
    private static final String[] V2 = {ShardSchema.KEY, ShardSchema.LABEL, ShardSchema.IMAGE, ShardSchema.ENCODING,
            ShardSchema.HEIGHT, ShardSchema.WIDTH, ShardSchema.CHANNELS, ShardSchema.MASK, ShardSchema.MASK_ENCODING};

    private ChunkReader() {
    }

    /** The chunk's rows in file order. */
    public static List<ShardRow> read(ShardChunk chunk, Configuration conf) {
        List<ShardRow> rows = new ArrayList<>(chunk.rows());
        Path path = new Path(chunk.path());
        long from = chunk.firstRow();
        long to = from + chunk.rows();
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            MessageType file = reader.getFooter().getFileMetaData().getSchema();
            boolean v2 = file.containsField(ShardSchema.ENCODING);
            List<Type> fields = new ArrayList<>();
            for (String name : v2 ? V2 : V1) {
                fields.add(file.getType(name));
            }
            MessageType projection = new MessageType(file.getName(), fields);
            reader.setRequestedSchema(projection);
            long groupStart = 0;
            for (BlockMetaData group : reader.getRowGroups()) {
                long groupEnd = groupStart + group.getRowCount();
                if (groupStart >= to) {
                    break;
                }
                if (groupEnd <= from) {
                    reader.skipNextRowGroup();
                } else {
                    PageReadStore pages = reader.readNextRowGroup();
                    RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection, file)
                            .getRecordReader(pages, new GroupRecordConverter(projection));
                    for (long row = groupStart; row < groupEnd && row < to; row++) {
                        Group g = records.read();
                        if (row >= from) {
                            rows.add(v2 ? v2Row(g) : new ShardRow(g.getString(0, 0), g.getInteger(1, 0),
                                    g.getBinary(2, 0).getBytes(), null, 0, 0, 0, null, null));
                        }
                    }
                }
                groupStart = groupEnd;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rows " + from + ".." + to + " of shard " + path + ": " + e.getMessage()
                    + "; the dataset is damaged or was moved. Re-run prep.", e);
        }
        if (rows.size() != chunk.rows()) {
            throw new IllegalStateException("shard " + path + " has " + rows.size() + " rows in " + from + ".." + to
                    + ", the manifest lists more; the dataset is damaged. Re-run prep.");
        }
        return rows;
    }

    private static ShardRow v2Row(Group g) {
        boolean masked = g.getFieldRepetitionCount(7) > 0;
        return new ShardRow(g.getString(0, 0), g.getInteger(1, 0), g.getBinary(2, 0).getBytes(), g.getString(3, 0),
                g.getInteger(4, 0), g.getInteger(5, 0), g.getInteger(6, 0), masked ? g.getBinary(7, 0).getBytes() : null,
                g.getFieldRepetitionCount(8) > 0 ? g.getString(8, 0) : null);
    }
}
