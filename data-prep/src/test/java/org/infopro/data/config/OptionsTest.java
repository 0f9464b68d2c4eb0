package org.infopro.data.config;

import org.infopro.data.io.WriteMode;
import org.infopro.data.prep.IdxPrepConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionsTest {

    @Test
    void defaultsApplyAndValuesParse() {
        IdxPrepConfig c = IdxPrepConfig.fromArgs(new String[]{"--input", "in", "--output=out", "--shards", "3", "--mode", "overwrite"});
        assertEquals("in", c.input());
        assertEquals("out", c.output());
        assertEquals(3, c.shards());
        assertEquals(WriteMode.OVERWRITE, c.mode());
        assertEquals(IdxPrepConfig.Compression.SNAPPY, c.compression());
    }

    @Test
    void badChoiceNamesTheValueAndListsTheValidOnes() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> IdxPrepConfig.fromArgs(new String[]{"--input", "i", "--output", "o", "--compression", "lz5"}));
        assertEquals("prep-idx: invalid --compression 'lz5': expected one of snappy, zstd, gzip, none.", e.getMessage());
    }

    @Test
    void outOfRangeNumberNamesTheRange() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> IdxPrepConfig.fromArgs(new String[]{"--input", "i", "--output", "o", "--shards", "0"}));
        assertTrue(e.getMessage().contains("invalid --shards '0': expected an integer in [1, 100000]"), e.getMessage());
    }

    @Test
    void unknownAndMissingOptionsAreNamed() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> IdxPrepConfig.fromArgs(new String[]{"--input", "i", "--output", "o", "--shard", "2"}));
        assertTrue(unknown.getMessage().contains("unknown option '--shard'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("--shards"), unknown.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> IdxPrepConfig.fromArgs(new String[]{"--input", "i"}));
        assertTrue(missing.getMessage().contains("missing required option '--output DIR'"), missing.getMessage());
    }
}
