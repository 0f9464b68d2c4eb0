package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens an HTML page in Debian's headless Chromium as a person's browser would, and says what it saw. A copy of the
 * page gets one script at the end of its body; on the load event it records, for every {@code <img>}, whether it
 * loaded, its natural size, and how many colours a canvas draw of it has; {@code --dump-dom} prints the DOM with that
 * record. Console messages come from Chromium's own log ({@code --enable-logging=stderr}): the pages checked here
 * have no script of their own, so any console message at all is a fault.
 */
final class HeadlessChromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final String MARK = "infopro-page-check";
    private static final Pattern CONSOLE = Pattern.compile("^\\[[^\\]]*:CONSOLE[:(][^\\]]*\\] (.*)$", Pattern.MULTILINE);

    /** One image: where it is (its section's id), whether it loaded, its natural size and colours seen (up to 3). */
    record Image(String section, boolean complete, int width, int height, int colours) {
        boolean decoded() {
            return complete && width > 0 && height > 0;
        }
    }

    /** What the browser saw: the document's state at load, its title, every image, and every console message. */
    record Page(String readyState, String title, List<Image> images, List<String> console, String log) {
        /** Every fault: an image missing, not decoded or of one colour, or a console message. */
        List<String> faults() {
            List<String> f = new ArrayList<>();
            for (Image i : images) {
                if (!i.decoded()) {
                    f.add("image in section '" + i.section() + "' not decoded (naturalWidth " + i.width() + ")");
                } else if (i.colours() < 2) {
                    f.add("image in section '" + i.section() + "' is blank (one colour)");
                }
            }
            for (String c : console) {
                f.add("console: " + c);
            }
            return f;
        }
    }

    private static final String SCRIPT = """
            <script>
            (function () {
              function check() {
                var images = [];
                for (var i = 0; i < document.images.length; i++) {
                  var im = document.images[i], s = im.closest('section');
                  var r = {section: s ? s.id : '', complete: im.complete, width: im.naturalWidth, height: im.naturalHeight, colours: 0};
                  if (im.complete && im.naturalWidth > 0) {
                    var c = document.createElement('canvas');
                    c.width = im.naturalWidth; c.height = im.naturalHeight;
                    var g = c.getContext('2d');
                    g.drawImage(im, 0, 0);
                    var d = g.getImageData(0, 0, c.width, c.height).data, seen = {};
                    for (var p = 0; p < d.length && r.colours < 3; p += 4) {
                      var k = d[p] + ',' + d[p + 1] + ',' + d[p + 2] + ',' + d[p + 3];
                      if (!seen[k]) { seen[k] = 1; r.colours++; }
                    }
                  }
                  images.push(r);
                }
                var pre = document.createElement('pre');
                pre.id = 'MARK';
                pre.textContent = JSON.stringify({ready_state: document.readyState, title: document.title, images: images});
                document.body.appendChild(pre);
              }
              if (document.readyState === 'complete') { check(); } else { window.addEventListener('load', check); }
            })();
            </script>
            """.replace("MARK", MARK);

    private HeadlessChromium() {
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Opens {@code page} (a copy of it, with the check script, in {@code work}) and returns what the browser saw. */
    static Page open(Path page, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        String html = Files.readString(page, StandardCharsets.UTF_8);
        int end = html.lastIndexOf("</body>");
        if (end < 0) {
            throw new AssertionError(page + " has no </body>");
        }
        Path checked = work.resolve("checked-" + page.getFileName());
        Files.writeString(checked, html.substring(0, end) + SCRIPT + html.substring(end), StandardCharsets.UTF_8);
        Path profile = Files.createTempDirectory(work, "chromium-profile-");
        Path dom = work.resolve("dom.html"), log = work.resolve("chromium.log");
        List<String> cmd = List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", checked.toUri().toString());
        Process p = new ProcessBuilder(cmd).redirectOutput(dom.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("chromium did not finish within 2 minutes:\n" + Files.readString(log));
        }
        String stderr = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("chromium exited " + p.exitValue() + ":\n" + stderr);
        }
        String out = Files.readString(dom, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<pre id=\"" + MARK + "\">(.*?)</pre>", Pattern.DOTALL).matcher(out);
        if (!m.find()) {
            throw new AssertionError("the page's load event never ran the check (no #" + MARK + " in the dumped DOM):\n" + stderr);
        }
        JsonNode r = Json.mapper().readTree(m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&"));
        List<Image> images = new ArrayList<>();
        for (JsonNode i : r.path("images")) {
            images.add(new Image(i.path("section").asText(), i.path("complete").asBoolean(), i.path("width").asInt(),
                    i.path("height").asInt(), i.path("colours").asInt()));
        }
        List<String> console = new ArrayList<>();
        Matcher c = CONSOLE.matcher(stderr);
        while (c.find()) {
            console.add(c.group(1));
        }
        return new Page(r.path("ready_state").asText(), r.path("title").asText(), images, console, stderr);
    }
}
