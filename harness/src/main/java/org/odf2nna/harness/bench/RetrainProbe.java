package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.TfSessions;
import org.odf2nna.tf.TrainingResult;

/**
 * Child process of the retraining benchmark: trains a {@link RetrainFiles} problem with
 * {@link DenseTrainer} (the tool's retraining: Adam steps, validation after every epoch, best weights
 * kept) and prints the wall-clock time of every epoch. TensorFlow's intra-op threads come from
 * {@code -Dodf2nna.tf.threads} ({@link TfSessions}). Argument: the problem's directory.
 */
public final class RetrainProbe {

    private RetrainProbe() {
    }

    public static void main(String[] args) {
        RetrainFiles.Problem p = RetrainFiles.read(Path.of(args[0]));
        EpochClock clock = new EpochClock();
        TrainingResult result = DenseTrainer.train(p.network(), p.train(), p.validation(), p.loss(), p.options(),
                clock);
        JsonObject o = clock.report(result.history(), result.bestEpoch());
        o.addProperty("weightsHash", RetrainFiles.hash(result.network()));
        System.out.println(Child.PREFIX + o.toString().replace("NaN", "null"));
        System.out.flush();
        System.exit(0);
    }
}
