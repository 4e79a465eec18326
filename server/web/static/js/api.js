// The dashboard's only way to the server: POST /graphql with the signed-in token, as any
// third-party front end would call the public API.

const TOKEN_KEY = "rapport.token";

export class ApiError extends Error {
  constructor(message, { signedOut = false } = {}) {
    super(message);
    this.signedOut = signedOut;
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token) => sessionStorage.setItem(TOKEN_KEY, token.trim().replace(/^Bearer\s+/i, "")),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Runs a query; resolves to { data, errors } (errors of single fields come with data). */
export async function graphql(query, variables = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${session.token()}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`The server cannot be reached (${error.message}).`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} ${response.statusText}, not JSON.`);
  }
  const messages = (body.errors ?? []).map((error) => error.message);
  if (response.status === 401) {
    throw new ApiError(`Sign-in refused: ${messages.join("; ")}`, { signedOut: true });
  }
  if (!body.data) throw new ApiError(messages.join("; ") || `HTTP ${response.status}`);
  return { data: body.data, errors: messages };
}
