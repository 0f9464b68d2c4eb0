package org.infopro.spark.report;

import java.util.Base64;
import java.util.List;

/**
 * The report as one self-contained HTML page: inline CSS, every plot a PNG data URI, no script and no external
 * resource, so it opens anywhere (a mail attachment, an artifact store) exactly as written.
 */
final class ReportPage {
    /** Rows under a header; cells are plain text, escaped here. */
    record Table(List<String> header, List<List<String>> rows) {
    }

    /**
     * One section: a plot ({@code png}), tables, or both; or, when the run did not record its data, {@code absent}
     * says why in one line, and nothing else is shown.
     */
    record Section(String id, String title, String caption, byte[] png, List<Table> tables, String absent) {
        static Section plot(String id, String title, String caption, byte[] png, Table... tables) {
            return new Section(id, title, caption, png, List.of(tables), null);
        }

        static Section tables(String id, String title, String caption, Table... tables) {
            return new Section(id, title, caption, null, List.of(tables), null);
        }

        static Section absent(String id, String title, String why) {
            return new Section(id, title, null, null, List.of(), why);
        }
    }

    static final String NOT_RECORDED = "not recorded by this run";

    private static final String CSS = """
            body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
            h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;margin:.6em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
            th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
            img{display:block;max-width:100%;height:auto;border:1px solid #eee}
            .caption{color:#555;font-size:.9em;margin:.3em 0}.absent{color:#8a6d00;font-style:italic}
            code{font-size:.9em}nav a{margin-right:1em}""";

    private ReportPage() {
    }

    static String html(String title, String subtitle, List<Section> sections) {
        StringBuilder sb = new StringBuilder(1 << 16);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(esc(title))
                .append("</title>\n<style>\n").append(CSS).append("\n</style>\n</head>\n<body>\n");
        sb.append("<h1>").append(esc(title)).append("</h1>\n<p class=\"caption\">").append(esc(subtitle)).append("</p>\n<nav>");
        for (Section s : sections) {
            sb.append("<a href=\"#").append(s.id()).append("\">").append(esc(s.title())).append("</a> ");
        }
        sb.append("</nav>\n");
        for (Section s : sections) {
            sb.append("<section id=\"").append(s.id()).append("\">\n<h2>").append(esc(s.title())).append("</h2>\n");
            if (s.absent() != null) {
                sb.append("<p class=\"absent\">").append(esc(NOT_RECORDED + ": " + s.absent())).append("</p>\n</section>\n");
                continue;
            }
            if (s.caption() != null) {
                sb.append("<p class=\"caption\">").append(esc(s.caption())).append("</p>\n");
            }
            if (s.png() != null) {
                sb.append("<img alt=\"").append(esc(s.title())).append("\" width=\"").append(ReportCharts.WIDTH).append("\" height=\"")
                        .append(ReportCharts.HEIGHT).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(s.png())).append("\">\n");
            }
            for (Table t : s.tables()) {
                table(sb, t);
            }
            sb.append("</section>\n");
        }
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    private static void table(StringBuilder sb, Table t) {
        sb.append("<table>\n<tr>");
        for (String h : t.header()) {
            sb.append("<th>").append(esc(h)).append("</th>");
        }
        sb.append("</tr>\n");
        for (List<String> row : t.rows()) {
            sb.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                boolean num = i > 0 && cell.matches("[-+]?[0-9][0-9,.]*( ?[%a-zA-Z/]+)?");
                sb.append(num ? "<td class=\"num\">" : "<td>");
                sb.append(esc(cell)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
