package org.infopro.spark.train;

import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    private static TrainConfig parse(String... extra) {
        String[] base = {"--dataset", "d", "--out", "o"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return TrainConfig.fromArgs(all);
    }

    @Test
    void greedyTrainsCrossEntropyOnlyThroughA0c1fHead() {
        TrainConfig c = parse("--loss", "greedy", "--splits", "1,2;2,1;3,0");
        assertEquals(AuxNet.C0F1, c.auxNet());
        assertEquals(0.0, c.effectiveLambda().ixx1());
        assertEquals(1.0, c.effectiveLambda().ixy2());
        assertEquals(4, c.modules());
    }

    @Test
    void infoProDefaultsToThe1c2fHead() {
        TrainConfig c = parse("--loss", "infopro-contrast", "--lambda", "6,0,1,2");
        assertEquals(LossMode.INFOPRO_CONTRAST, c.loss());
        assertEquals(AuxNet.C1F2, c.auxNet());
        assertEquals(6.0, c.effectiveLambda().ixx1());
        assertEquals(AuxNet.C2F2, parse("--aux-net", "2c2f").auxNet());
    }

    @Test
    void endToEndMustHaveNoSplitsAndLocalModesMustHaveSome() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--loss", "e2e"));
        assertTrue(e.getMessage().contains("Add --splits none"), e.getMessage());
        assertEquals(1, parse("--loss", "e2e", "--splits", "none").modules());
        ConfigException g = assertThrows(ConfigException.class, () -> parse("--loss", "greedy", "--splits", "none"));
        assertTrue(g.getMessage().contains("needs local modules"), g.getMessage());
    }

    @Test
    void badValuesNameTheValidChoices() {
        ConfigException a = assertThrows(ConfigException.class, () -> parse("--aux-net", "3c3f"));
        assertEquals("train: invalid --aux-net '3c3f': expected one of auto, 0c1f, 0c2f, 1c1f, 1c2f, 1c3f, 2c2f.", a.getMessage());
        ConfigException l = assertThrows(ConfigException.class, () -> parse("--loss", "infopro"));
        assertEquals("train: invalid --loss 'infopro': expected one of e2e, greedy, infopro-softmax, infopro-contrast.", l.getMessage());
        ConfigException s = assertThrows(ConfigException.class, () -> parse("--splits", "2;1"));
        assertTrue(s.getMessage().startsWith("train: invalid --splits '2;1'"), s.getMessage());
    }
}
