package org.infopro.spark.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binding decision without Spark or a GPU. The real scheduling path (a standalone cluster with fake GPU
 * addresses) is covered by the jobs module's GpuClusterIT.
 */
class GpuBindingTest {

    /** Stands in for ND4J: a backend that is CPU or CUDA with some devices, and records what was bound. */
    private static final class FakeDevice implements GpuBinding.Device {
        final boolean cpu;
        final int devices;
        final List<Integer> bound = new ArrayList<>();

        FakeDevice(boolean cpu, int devices) {
            this.cpu = cpu;
            this.devices = devices;
        }

        @Override
        public boolean isCpu() {
            return cpu;
        }

        @Override
        public int deviceCount() {
            return devices;
        }

        @Override
        public void bindCurrentThread(int device) {
            bound.add(device);
        }
    }

    @Test
    void withoutATaskContextNothingIsAssignedOrBound() {
        GpuBinding.Assignment a = GpuBinding.bindCurrentTask();
        assertEquals(List.of(), a.addresses());
        assertEquals(GpuBinding.NOT_IN_TASK, a.device());
        assertEquals(-1, a.taskAttemptId());
        assertFalse(a.bound());
    }

    @Test
    void aTaskWithoutGpusBindsNothing() {
        FakeDevice cuda = new FakeDevice(false, 2);
        GpuBinding.Assignment a = GpuBinding.bind(7, 1, "3", List.of(), cuda);
        assertEquals(GpuBinding.NO_GPU, a.device());
        assertEquals(List.of(), cuda.bound);
    }

    @Test
    void onTheCpuBackendTheAddressIsRecordedButNotBound() {
        FakeDevice cpu = new FakeDevice(true, 1);
        GpuBinding.Assignment a = GpuBinding.bind(7, 1, "3", List.of("0"), cpu);
        assertEquals(List.of("0"), a.addresses());
        assertEquals(GpuBinding.CPU_NOT_BOUND, a.device());
        assertEquals(List.of(), cpu.bound);
    }

    @Test
    void onCudaTheThreadIsBoundToTheFirstAssignedDevice() {
        FakeDevice cuda = new FakeDevice(false, 4);
        GpuBinding.Assignment a = GpuBinding.bind(7, 1, "3", List.of("2", "3"), cuda);
        assertEquals("cuda:2", a.device());
        assertTrue(a.bound());
        assertEquals(List.of(2), cuda.bound);
    }

    @Test
    void anAddressThatIsNotAVisibleCudaDeviceFailsWithTheFix() {
        FakeDevice cuda = new FakeDevice(false, 1);
        IllegalStateException outOfRange = assertThrows(IllegalStateException.class,
                () -> GpuBinding.bind(7, 1, "3", List.of("1"), cuda));
        assertTrue(outOfRange.getMessage().contains("not one of the 1 CUDA devices"), outOfRange.getMessage());
        IllegalStateException notANumber = assertThrows(IllegalStateException.class,
                () -> GpuBinding.bind(7, 1, "3", List.of("GPU-3f2a"), cuda));
        assertTrue(notANumber.getMessage().contains("not a CUDA device index"), notANumber.getMessage());
        assertEquals(List.of(), cuda.bound);
    }
}
