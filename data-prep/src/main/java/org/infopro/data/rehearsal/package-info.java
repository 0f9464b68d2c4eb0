/**
 * Rehearsal inputs: real small datasets written in the on-disk layout of a large one, so that the large one's
 * prep job and training can be run end to end on real pixels before the real data is at hand.
 * {@link org.infopro.data.rehearsal.MakeIlsvrcJob} writes an IDX dataset (Fashion-MNIST) as an ILSVRC-2012 tree, and
 * {@link org.infopro.data.rehearsal.MakeCityscapesJob} composes one into Cityscapes-layout frames with label masks; both
 * write through {@link org.infopro.data.rehearsal.TreeFiles}. The package depends only on the file readers, codecs and io below it, never on the prep jobs or sources that read its output.
 */
package org.infopro.data.rehearsal;
