package org.infopro.data.rehearsal;

import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.data.io.WriteMode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The resolved configuration of a make-cityscapes run; built and validated once from the command line. */
public record MakeCityscapesConfig(
        String input,
        String output,
        int width,
        int height,
        int trainFrames,
        int valFrames,
        int cities,
        int garments,
        int minSize,
        int maxSize,
        long seed,
        int threads,
        WriteMode mode,
        int progressSeconds) {

    public static final String JOB = "make-cityscapes";

    /** Real Cityscapes train cities, in the order frames are spread over them. */
    public static final List<String> TRAIN_CITIES = List.of("aachen", "bochum", "bremen", "cologne", "darmstadt", "dusseldorf",
            "erfurt", "hamburg", "hanover", "jena", "krefeld", "monchengladbach", "strasbourg", "stuttgart", "tubingen", "ulm",
            "weimar", "zurich");
    /** Real Cityscapes val cities, then its test cities (whose labels are not public, so never a train city either). */
    public static final List<String> VAL_CITIES = List.of("frankfurt", "lindau", "munster", "berlin", "bielefeld", "bonn",
            "leverkusen", "mainz", "munich");

    public static final Opt<String> INPUT = Opt.required("input", "DIR", "Folder with train-images-idx3-ubyte[.gz], "
            + "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] (submit/fetch-fashion-mnist.sh); "
            + "train frames use train-*, val frames t10k-*.");
    public static final Opt<String> OUTPUT = Opt.required("output", "DIR", "Cityscapes root to create (any Hadoop URI); published atomically.");
    public static final Opt<Integer> WIDTH = Opt.intIn("width", "W", "Frame width in pixels (Cityscapes: 2048).", 2048, 64, 16_384);
    public static final Opt<Integer> HEIGHT = Opt.intIn("height", "H", "Frame height in pixels (Cityscapes: 1024).", 1024, 64, 16_384);
    public static final Opt<Integer> TRAIN_FRAMES = Opt.intIn("train-frames", "N", "Frames in leftImg8bit/train and gtFine/train.",
            12, 1, 1_000_000);
    public static final Opt<Integer> VAL_FRAMES = Opt.intIn("val-frames", "N", "Frames in leftImg8bit/val and gtFine/val.",
            4, 1, 1_000_000);
    public static final Opt<Integer> CITIES = Opt.intIn("cities", "N", "Cities per split, frames spread round robin over them: "
            + "train from Cityscapes' train cities (aachen, bochum, ...), val from its val and test cities (frankfurt, lindau, ...), "
            + "so no city is in both splits.", 3, 1, VAL_CITIES.size());
    public static final Opt<Integer> GARMENTS = Opt.intIn("garments", "N", "Mean garments per frame: each frame pastes between "
            + "ceil(N/2) and N + floor(N/2), uniformly, cycling over the ten classes.", 40, 1, 100_000);
    public static final Opt<Integer> MIN_SIZE = Opt.intIn("min-size", "PX", "Smallest side of a pasted garment (28x28 scaled bilinearly).",
            64, 16, 16_384);
    public static final Opt<Integer> MAX_SIZE = Opt.intIn("max-size", "PX", "Largest side of a pasted garment.", 256, 16, 16_384);
    public static final Opt<Long> SEED = Opt.longIn("seed", "N", "Seed of backgrounds, garment choice, size, place and colour: the same "
            + "seed, input and options give byte-identical PNGs.", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    public static final Opt<Integer> THREADS = Opt.intIn("threads", "N", "Threads that compose, encode and write the frames (the "
            + "output does not depend on it).", 1, 1, 1024)
            .withDefault(() -> Runtime.getRuntime().availableProcessors());
    public static final Opt<WriteMode> MODE = WriteMode.option("the --output tree");
    public static final Opt<Integer> PROGRESS_SECONDS = Opt.intIn("progress-seconds", "N", "Seconds between progress lines on stderr "
            + "(counts, rate, ETA); 0 = none.", 10, 0, 86_400);

    public static final String SUMMARY = "Composes IDX images (real Fashion-MNIST) into street-scene-sized frames in the Cityscapes\n"
            + "layout that prep-cityscapes reads: leftImg8bit/{split}/{city}/{city}_{seq}_000019_leftImg8bit.png (8-bit RGB)\n"
            + "and gtFine/.../{city}_{seq}_000019_gtFine_labelIds.png (8-bit label ids), plus _make-cityscapes.json. Garments are\n"
            + "pasted at random sizes, places and colours on a textured background; label ids are chosen so that the standard\n"
            + "Cityscapes mapping gives train id 0 to the background (road, id 7) and train id 1 + the Fashion-MNIST label to\n"
            + "a garment (ids 8, 11, 12, 13, 17, 19, 20, 21, 22, 23).";

    public static final JobSpec<MakeCityscapesConfig> SPEC = new JobSpec<>(JOB,
            "Compose IDX images (Fashion-MNIST) into a Cityscapes tree (leftImg8bit + gtFine labelIds).", SUMMARY,
            List.of(INPUT, OUTPUT, WIDTH, HEIGHT, TRAIN_FRAMES, VAL_FRAMES, CITIES, GARMENTS, MIN_SIZE, MAX_SIZE, SEED, THREADS, MODE,
                    PROGRESS_SECONDS),
            MakeCityscapesConfig::build);

    /** Checks what no single option can: the sizes against each other and the frame, the frames against the cities. */
    public MakeCityscapesConfig {
        if (minSize > maxSize) {
            throw new ConfigException(JOB + ": --min-size " + minSize + " is larger than --max-size " + maxSize
                    + "; give a range such as --min-size " + maxSize + " --max-size " + minSize + ".");
        }
        int side = Math.min(width, height);
        if (maxSize > side) {
            throw new ConfigException(JOB + ": --max-size " + maxSize + " does not fit a " + width + "x" + height
                    + " frame; use --max-size " + side + " or less, or a larger --width/--height.");
        }
        checkFrames("train-frames", trainFrames, cities);
        checkFrames("val-frames", valFrames, cities);
    }

    private static void checkFrames(String option, int frames, int cities) {
        if (frames < cities) {
            throw new ConfigException(JOB + ": --" + option + " " + frames + " is fewer than --cities " + cities
                    + ": every city folder needs a frame; raise --" + option + " to " + cities + " or lower --cities to " + frames + ".");
        }
    }

    public static MakeCityscapesConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static MakeCityscapesConfig build(Options o) {
        return new MakeCityscapesConfig(o.get(INPUT), o.get(OUTPUT), o.get(WIDTH), o.get(HEIGHT), o.get(TRAIN_FRAMES), o.get(VAL_FRAMES),
                o.get(CITIES), o.get(GARMENTS), o.get(MIN_SIZE), o.get(MAX_SIZE), o.get(SEED), o.get(THREADS), o.get(MODE),
                o.get(PROGRESS_SECONDS));
    }

    /** The cities of {@code split} ("train" or "val"), in the order frames are spread over them. */
    public List<String> cities(String split) {
        return (split.equals("train") ? TRAIN_CITIES : VAL_CITIES).subList(0, cities);
    }

    /** The frame count of {@code split}. */
    public int frames(String split) {
        return split.equals("train") ? trainFrames : valFrames;
    }

    /** The config as _make-cityscapes.json records it. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", JOB);
        m.put("input", input);
        m.put("output", output);
        m.put("width", width);
        m.put("height", height);
        m.put("train_frames", trainFrames);
        m.put("val_frames", valFrames);
        m.put("cities", cities);
        m.put("garments", garments);
        m.put("min_size", minSize);
        m.put("max_size", maxSize);
        m.put("seed", seed);
        m.put("threads", threads);
        m.put("if_exists", mode.label());
        return m;
    }
}
