package io.fedlora.simulation.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class LineChartTest {

    @Test
    void shouldPlaceEveryFinitePointAtItsScaledCoordinates() throws Exception {
        double[] x = {0, 1, 2, 3, 4};
        double[] y = {0.1, 0.5, Double.NaN, 0.7, 0.9};
        String svg = new LineChart("accuracy", "round", "accuracy").add("fedit", x, y).toSvg();

        Document doc =
                DocumentBuilderFactory.newInstance()
                        .newDocumentBuilder()
                        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        NodeList lines = doc.getElementsByTagName("polyline");
        assertEquals(1, lines.getLength());
        String[] points = ((Element) lines.item(0)).getAttribute("points").trim().split(" ");
        assertEquals(4, points.length, "the NaN point is left out");

        // x axis 0..4 (step 1), y axis 0..1 (step 0.2): (4, 0.9) maps to the right edge, 90% up.
        String[] last = points[3].split(",");
        assertEquals(LineChart.LEFT + LineChart.plotWidth(), Double.parseDouble(last[0]), 0.01);
        assertEquals(
                LineChart.TOP + LineChart.plotHeight() * 0.1, Double.parseDouble(last[1]), 0.01);
    }

    @Test
    void shouldChooseNiceTicksCoveringTheData() {
        Range r =
                Range.of(
                        List.of(
                                new LineChart.Series(
                                        "s", new double[] {3, 97}, new double[] {0, 1})),
                        true);
        assertEquals(0, r.min());
        assertEquals(100, r.max());
        assertEquals(20, r.step());
        assertEquals(6, r.ticks().size());
        assertEquals("0.25", Range.label(0.25));
        assertEquals("1.5e+04", Range.label(15000));
    }

    @Test
    void shouldEscapeTextAndWriteTheFileAtomically(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.svg");
        new LineChart("a<b & c", "x", "y").add("s", new double[] {1}, new double[] {2}).write(file);
        String svg = Files.readString(file);
        assertTrue(svg.contains("a&lt;b &amp; c"));
        assertTrue(Files.notExists(dir.resolve("c.svg.tmp")));
    }
}
