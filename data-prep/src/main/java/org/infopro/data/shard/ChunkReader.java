package org.infopro.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.internal.filter2.columnindex.RowRanges;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the rows of a {@link ShardChunk} straight from its Parquet file: only the columns training needs, only the
 * row groups the range touches (the others are skipped by their footer row counts, unread), and within those only
 * the pages that hold the range's rows (by the offset index Parquet writes beside every column chunk).
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
            ColumnIOFactory io = new ColumnIOFactory();
            long groupStart = 0;
            List<BlockMetaData> groups = reader.getRowGroups();
            for (int b = 0; b < groups.size() && groupStart < to; b++) {
                BlockMetaData group = groups.get(b);
                long groupEnd = groupStart + group.getRowCount();
                if (groupEnd > from) {
                    long lo = Math.max(from, groupStart) - groupStart;
                    long hi = Math.min(to, groupEnd) - groupStart;
                    Pages pages = pages(reader, b, group, lo, hi);
                    RecordReader<Group> records = io.getColumnIO(projection, file)
                            .getRecordReader(pages.store(), new GroupRecordConverter(projection), FilterCompat.NOOP);
                    for (long row = pages.firstRow(); row < hi; row++) {
                        Group g = records.read();
                        if (row >= lo) {
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

    /** The pages of a row group that a read of its rows [lo, hi) needs, and the group row the first of them starts at. */
    private record Pages(PageReadStore store, long firstRow) {
    }

    /**
     * Only the pages holding rows [lo, hi) of row group {@code b}, found by the image column's offset index (every
     * column's pages overlapping them are read, the rest skipped): a chunk of a few hundred rows then costs its own
     * bytes, not its whole row group's (Parquet's default is 128 MB, about 1,200 ImageNet JPEGs). Files without an
     * offset index are read a row group at a time.
     */
    private static Pages pages(ParquetFileReader reader, int b, BlockMetaData group, long lo, long hi) throws IOException {
        ColumnChunkMetaData image = group.getColumns().stream()
                .filter(c -> c.getPath().toDotString().equals(ShardSchema.IMAGE)).findFirst().orElse(null);
        OffsetIndex index = image == null ? null : reader.readOffsetIndex(image);
        if (index == null) {
            return new Pages(reader.readRowGroup(b), 0);
        }
        List<Integer> wanted = new ArrayList<>();
        for (int i = 0; i < index.getPageCount(); i++) {
            if (index.getLastRowIndex(i, group.getRowCount()) >= lo && index.getFirstRowIndex(i) < hi) {
                wanted.add(i);
            }
        }
        RowRanges ranges = RowRanges.create(group.getRowCount(), wanted.stream().mapToInt(Integer::intValue).iterator(), index);
        return new Pages(reader.readFilteredRowGroup(b, ranges), ranges.getRanges().get(0).from);
    }

    private static ShardRow v2Row(Group g) {
        boolean masked = g.getFieldRepetitionCount(7) > 0;
        return new ShardRow(g.getString(0, 0), g.getInteger(1, 0), g.getBinary(2, 0).getBytes(), g.getString(3, 0),
                g.getInteger(4, 0), g.getInteger(5, 0), g.getInteger(6, 0), masked ? g.getBinary(7, 0).getBytes() : null,
                g.getFieldRepetitionCount(8) > 0 ? g.getString(8, 0) : null);
    }
}
