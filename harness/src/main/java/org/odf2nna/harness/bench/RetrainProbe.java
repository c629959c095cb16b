package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.Training;

/**
 * Child process of the retraining benchmark: trains a {@link RetrainFiles} problem with
 * {@link Training#train} (the tool's retraining, the library's {@code DenseTrainer}: Adam steps, validation after
 * every epoch, best weights kept) and prints the wall-clock time of every epoch. TensorFlow's intra-op threads come
 * from {@code -D}{@value Odf2nna#TENSORFLOW_THREADS_PROPERTY}. Argument: the problem's directory.
 */
public final class RetrainProbe {

    private RetrainProbe() {
    }

    public static void main(String[] args) {
        RetrainFiles.Problem p = RetrainFiles.read(Path.of(args[0]));
        EpochClock clock = new EpochClock();
        Training.Problem problem = p.problem();
        Training.Trained result = Training.train(problem.network(), problem.training(), problem.validation(),
                problem.task(), p.options(), clock);
        JsonObject o = clock.report(result.history(), result.bestEpoch());
        o.addProperty("weightsHash", RetrainFiles.hash(result.network()));
        System.out.println(Child.PREFIX + o.toString().replace("NaN", "null"));
        System.out.flush();
        System.exit(0);
    }
}
