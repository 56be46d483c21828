package dev.chatd.server;

import dev.chatd.server.ingress.ApiError;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The Responses API's routes for stored responses ({@code GET} and {@code DELETE
 * /v1/responses/{id}}, {@code POST /v1/responses/{id}/cancel}, {@code GET
 * /v1/responses/{id}/input_items}), each a 404 that says why: chatd stores no response, so
 * there is none to read, delete or cancel. A client gets the same answer from OpenAI for a
 * response created with {@code store: false}, which is what stateless clients send.
 *
 * <p>Storing them would take a store shared by every replica (Redis, say), keyed by response
 * id, holding each response's input and output items; the README says more.
 */
final class StatelessResponses implements HttpService {

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/responses/{id}", StatelessResponses::notStored)
                .delete("/v1/responses/{id}", StatelessResponses::notStored)
                .post("/v1/responses/{id}/cancel", StatelessResponses::notStored)
                .get("/v1/responses/{id}/input_items", StatelessResponses::notStored);
    }

    private static void notStored(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().first("id").orElse("");
        HttpSupport.send(
                req,
                res,
                ApiError.of(
                        404,
                        "response_not_found",
                        "no response with id '" + id + "': chatd keeps no responses (it is stateless),"
                                + " so it cannot retrieve, delete or cancel one; send the whole conversation"
                                + " as input with store: false instead of previous_response_id"));
    }
}
