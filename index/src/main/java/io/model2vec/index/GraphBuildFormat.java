package io.model2vec.index;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99ScalarQuantizedVectorScorer;
import org.apache.lucene.codecs.lucene99.Lucene99ScalarQuantizedVectorsWriter;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Writes exactly what {@link Lucene99HnswVectorsFormat} (or, for int8,
 * {@link Lucene99HnswScalarQuantizedVectorsFormat}) with the same settings writes, and under its
 * name, so that any Lucene 9.12+ reads the shard with its own format; only the scorer that builds
 * and merges the graph is {@link GraphScorer#INSTANCE}. Not registered as a service: reading
 * never comes here.
 */
final class GraphBuildFormat extends KnnVectorsFormat {
  /** Lucene's defaults of the int8 format: 7 bits, not compressed, the confidence from dims. */
  private static final int INT8_BITS = 7;

  private final int maxConn;
  private final int beamWidth;
  private final Quantization quantization;
  private final KnnVectorsFormat lucene;
  private final FlatVectorsScorer scorer;

  GraphBuildFormat(int maxConn, int beamWidth, Quantization quantization) {
    super(quantization == Quantization.INT8 ? Lucene99HnswScalarQuantizedVectorsFormat.NAME
        : "Lucene99HnswVectorsFormat");
    this.maxConn = maxConn;
    this.beamWidth = beamWidth;
    this.quantization = quantization;
    // Lucene's format checks the graph settings, reads, and gives the dimension limit.
    this.lucene = quantization == Quantization.INT8
        ? new Lucene99HnswScalarQuantizedVectorsFormat(maxConn, beamWidth)
        : new Lucene99HnswVectorsFormat(maxConn, beamWidth);
    this.scorer = GraphScorer.INSTANCE;
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    FlatVectorsWriter floats = new Lucene99FlatVectorsFormat(scorer).fieldsWriter(state);
    FlatVectorsWriter flat = quantization == Quantization.INT8
        ? new Lucene99ScalarQuantizedVectorsWriter(state, null, (byte) INT8_BITS, false, floats,
            new Lucene99ScalarQuantizedVectorScorer(scorer))
        : floats;
    return new Lucene99HnswVectorsWriter(state, maxConn, beamWidth, flat, 1, null);
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return lucene.fieldsReader(state);
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return lucene.getMaxDimensions(fieldName);
  }

  @Override
  public String toString() {
    return lucene + " built with " + scorer;
  }
}
