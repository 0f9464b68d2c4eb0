package org.infopro.data.config;

import org.infopro.data.io.WriteMode;
import org.infopro.data.prep.IdxPrepConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionsTest {

    @Test
    void defaultsApplyAndValuesParse() {
        IdxPrepConfig c = IdxPrepConfig.fromArgs(new String[]{"--input", "in", "--output=out", "--shards", "3", "--if-exists", "overwrite"});
        assertEquals("in", c.input());
        assertEquals("out", c.output());
        assertEquals(3, c.shards());
        assertEquals(WriteMode.OVERWRITE, c.mode());
        // an atomic output has nothing to resume
        ConfigException resume = assertThrows(ConfigException.class,
                () -> IdxPrepConfig.fromArgs(new String[]{"--input", "in", "--output", "out", "--if-exists", "resume"}));
        assertEquals("prep-idx: invalid --if-exists 'resume': expected one of error, overwrite, skip-ok.", resume.getMessage());
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

    private static final Opt<Integer> N = Opt.intIn("n", "N", "A count.", 2, 1, 10);
    private static final Opt<Long> SEED = Opt.longIn("seed", "S", "A seed.", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    private static final Opt<Double> X = Opt.fraction("x", "X", "A fraction.", 0.25);
    private static final Opt<Boolean> KEEP = Opt.bool("keep", "Keep it.", false);
    private static final Opt<List<WriteMode>> MODES = Opt.list("modes", "LIST", "Modes.", List.of(WriteMode.ERROR), WriteMode.class,
            WriteMode::label);
    private static final Opt<String> NAME = Opt.required("name", "TEXT", "A name.");
    private static final List<Opt<?>> ALL = List.of(N, SEED, X, KEEP, MODES, NAME);

    private record Parsed(int n, long seed, double x, boolean keep, List<WriteMode> modes, String name) {
    }

    private static Parsed parse(String... args) {
        return Options.parse("t", ALL, args, o -> new Parsed(o.get(N), o.get(SEED), o.get(X), o.get(KEEP), o.get(MODES), o.get(NAME)));
    }

    private static String error(String... args) {
        return assertThrows(ConfigException.class, () -> parse(args)).getMessage();
    }

    @Test
    void bothSpellingsParseAndTheLastOfARepeatedOptionWins() {
        assertEquals(new Parsed(3, -7, 1, true, List.of(WriteMode.SKIP_OK, WriteMode.OVERWRITE), "a b"),
                parse("--n", "9", "--n=3", "--seed", "-7", "--x=1", "--keep", "TRUE", "--modes", "skip-ok, overwrite,skip-ok", "--name", " a b "));
        assertEquals(new Parsed(2, 0, 0.25, false, List.of(WriteMode.ERROR), "@file"), parse("--name=@file"));
    }

    @Test
    void everyMistakeIsOneLineNamingTheJobTheOptionAndTheFix() {
        assertEquals("t: option '--n' needs a value (N).", error("--name", "a", "--n"));
        assertEquals("t: option '--n' needs a value (N).", error("--n", "--name", "a"));
        assertEquals("t: unexpected argument 'a'. Options start with --; see 't --help'.", error("--name", "b", "a"));
        assertEquals("t: unknown option '--count'. Valid options: --n, --seed, --x, --keep, --modes, --name.", error("--count=2"));
        assertEquals("t: missing required option '--name TEXT' (A name.).", error("--n", "2"));
        assertEquals("t: invalid --n '11': expected an integer in [1, 10].", error("--name", "a", "--n", "11"));
        assertEquals("t: invalid --n 'two': expected an integer in [1, 10].", error("--name", "a", "--n", "two"));
        assertEquals("t: invalid --seed '1.5': expected an integer.", error("--name", "a", "--seed", "1.5"));
        assertEquals("t: invalid --x '0': expected a fraction above 0 and at most 1, such as 0.25.", error("--name", "a", "--x", "0"));
        assertEquals("t: invalid --keep 'yes': expected true or false.", error("--name", "a", "--keep", "yes"));
        assertEquals("t: invalid --modes 'skip-ok,append': expected a comma-separated list of error, overwrite, skip-ok, resume.",
                error("--name", "a", "--modes", "skip-ok,append"));
        assertEquals("t: invalid --modes ' , ': expected a comma-separated list of error, overwrite, skip-ok, resume.",
                error("--name", "a", "--modes", " , "));
        assertEquals("t: invalid --name ' ': expected a non-empty value.", error("--name", " "));
        for (String m : List.of(error("--n"), error("--n", "0", "--name", "a"), error("x"))) {
            assertEquals(1, m.lines().count(), m);
        }
    }

    @Test
    void aValueBuiltInCodeIsCheckedByTheSameRule() {
        assertEquals(5, N.check("t", 5));
        assertEquals("t: invalid --n '0': expected an integer in [1, 10].",
                assertThrows(ConfigException.class, () -> N.check("t", 0)).getMessage());
        Opt<Integer> even = N.where(n -> n % 2 == 0, "an even integer in [1, 10]");
        assertEquals("t: invalid --n '3': expected an even integer in [1, 10].",
                assertThrows(ConfigException.class, () -> even.check("t", 3)).getMessage());
    }

    @Test
    void anOptionDeclaredButNeverReadIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Options.parse("t", ALL, new String[]{"--name", "a"}, o -> o.get(N)));
        assertEquals("t: options declared but never read: --seed, --x, --keep, --modes, --name; read them when building the config, "
                + "or remove them", e.getMessage());
        Opt<Integer> other = Opt.intIn("n", "N", "Another count.", 2, 1, 10);
        assertThrows(IllegalArgumentException.class, () -> Options.parse("t", List.of(N), new String[0], o -> o.get(other)),
                "an option is read through its own declaration");
    }

    @Test
    void helpShowsWhatEachOptionAcceptsAndItsDefault() {
        String help = Options.help("t", "Does t.", ALL);
        assertTrue(help.startsWith("Usage: submit/infopro t [options]\n\nDoes t.\n\nOptions:\n"), help);
        assertTrue(help.contains("--n N") && help.contains("A count. (an integer in [1, 10]; default: 2)\n"), help);
        assertTrue(help.contains("A seed. (an integer; default: 0)\n"), help);
        assertTrue(help.contains("A fraction. (a fraction above 0 and at most 1, such as 0.25; default: 0.25)\n"), help);
        assertTrue(help.contains("--keep BOOL") && help.contains("Keep it. (true or false; default: false)\n"), help);
        assertTrue(help.contains("Modes. (a comma-separated list of error, overwrite, skip-ok, resume; default: error)\n"), help);
        assertTrue(help.contains("A name. (required)\n"), help);
        assertTrue(Options.help("w", "", List.of(Opt.doubleIn("wd", "X", "Decay.", 1e-4, 0, 1))).contains(
                "Decay. (a number in [0, 1]; default: 0.0001)"));
    }
}
