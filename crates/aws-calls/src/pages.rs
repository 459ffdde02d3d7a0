//! Paging for the listings the SDK offers no paginator for (`apigatewayv2`'s `NextToken`).

use gw_core::AwsError;
use std::future::Future;

/// Every item of a listing, page after page: `page(token)` fetches one page and returns its
/// items and the next token. Where the SDK has a paginator (`into_paginator()`), use that.
///
/// A token AWS hands back twice ends the listing instead of looping forever.
pub async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (mut batch, next) = page(token.clone()).await?;
        items.append(&mut batch);
        match next {
            Some(next) if !next.is_empty() && token.as_deref() != Some(next.as_str()) => {
                token = Some(next);
            }
            _ => return Ok(items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(future: F) -> F::Output {
        // The futures here never wait on anything: one poll completes them.
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut context) {
                return out;
            }
        }
    }

    #[test]
    fn follows_tokens_until_the_last_page() {
        let pages = block_on(all_pages(|token| async move {
            Ok(match token.as_deref() {
                None => (vec![1, 2], Some("a".to_string())),
                Some("a") => (vec![3], Some("b".to_string())),
                _ => (vec![4], None),
            })
        }));
        assert_eq!(pages, Ok(vec![1, 2, 3, 4]));
    }

    #[test]
    fn a_repeated_token_ends_the_listing() {
        let mut calls = 0;
        let pages = block_on(all_pages(|_| {
            calls += 1;
            let page = calls;
            async move { Ok((vec![page], Some("same".to_string()))) }
        }));
        assert_eq!(pages, Ok(vec![1, 2]));
    }

    #[test]
    fn errors_stop_the_listing() {
        let error = AwsError::service("apigatewayv2", "GetApis", 403, "AccessDenied", "no");
        let result: Result<Vec<u8>, _> = block_on(all_pages(|_| async { Err(error.clone()) }));
        assert_eq!(result, Err(error));
    }
}
