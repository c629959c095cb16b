package org.odf2nna.harness.reproduce;

import java.util.List;

/**
 * What is known here of the paper's own figures, and where it came from.
 *
 * <p>The paper's tables were looked for in the stored public material this project can search (the arXiv
 * HTML version, article pages and code repositories). Only the title, the abstract and the beginning of the
 * introduction were found; none of Tables 1–12, no ε values per data set, no epochs. So every "paper" cell
 * of {@code RESULTS.md} says the figure is not available here, and nothing is compared with a number the
 * paper does not show us. The one quantitative statement found is the abstract's, quoted below, and each
 * chosen model is checked against it.
 */
public final class PaperFigures {

    private PaperFigures() {
    }

    /** A source consulted and what it held. */
    public record Source(String url, String held) {
    }

    public static final List<Source> SOURCES = List.of(
            new Source("https://arxiv.org/html/2312.10560v1",
                    "title, acceptance note (Neural Networks, DOI 10.1016/j.neunet.2023.12.015), abstract, the "
                            + "first paragraph of the introduction; no table"),
            new Source("https://www.sciencestack.ai/paper/2312.10560",
                    "abstract and a summary naming MNIST, Hepmass and Higgs among the data sets and parameter "
                            + "reductions \"often >70%\"; no table"),
            new Source("https://thelatestinai.com/paper/2312.10560", "abstract only"),
            new Source("https://explore.openaire.eu/search/publication?pid=10.2139%2Fssrn.4481770",
                    "abstract of the SSRN preprint only"));

    /** The abstract's quantitative claim, verbatim. */
    public static final String CLAIM = "Without any accuracy loss, our approach can compress the number of "
            + "parameters by more than 70%. Even further, choosing the pruning parameter carefully, most of the "
            + "refined models outperform original ones.";

    /** The reduction, in percent of the parameters, that the claim names. */
    public static final double CLAIMED_REDUCTION_PERCENT = 70;

    /** What a "paper" cell holds when the paper's figure could not be found. */
    public static final String NOT_AVAILABLE = "n/a";

    /** The footnote explaining {@link #NOT_AVAILABLE}. */
    public static final String NOT_AVAILABLE_NOTE = "paper figure not available here: the stored copies of the "
            + "paper hold its abstract, not its tables (see \"Where the paper's figures come from\")";
}
